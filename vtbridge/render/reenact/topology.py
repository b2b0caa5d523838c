"""Which of MediaPipe's 478 face landmarks form which feature: the fixed topology the reenactment warp is built on.

MediaPipe's tessellation covers the face skin but leaves the eye openings and the mouth opening as holes; those
holes matter (the iris moves inside the eye, the mouth interior appears inside the lips), so their outlines are
listed here as ordered loops. "Left" is the subject's own left, as everywhere in vtbridge. Index facts come from
the connection tables MediaPipe ships (``vision.FaceLandmarksConnections``); the tessellation triangles are read
from there at import (its edge list is the triangles' edges, three by three).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_LANDMARKS = 478

#: Face outline, clockwise from the top of the forehead.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

#: Eyelids, corner to corner: outer corner first, upper and lower lids point-for-point above each other.
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
RIGHT_IRIS = (468, 469, 470, 471, 472)  # centre first
LEFT_IRIS = (473, 474, 475, 476, 477)

#: Inner lip line, mouth corner to mouth corner (right corner 78 to left corner 308).
INNER_LIP_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
INNER_LIP_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
OUTER_LIP_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
OUTER_LIP_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)

#: Points that do not move with expressions (forehead, nose bridge, eye corners, cheekbones, ear roots): what the
#: head's position, size and residual rotation are measured on.
RIGID = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 133, 362, 263, 234, 454, 127, 356, 21, 251, 108, 337)


def loop(upper: tuple[int, ...], lower: tuple[int, ...]) -> tuple[int, ...]:
    """A closed outline from an upper and a lower line that share their end points."""
    return tuple(upper) + tuple(reversed(lower[1:-1]))


RIGHT_EYE = loop(RIGHT_EYE_UPPER, RIGHT_EYE_LOWER)
LEFT_EYE = loop(LEFT_EYE_UPPER, LEFT_EYE_LOWER)
INNER_LIPS = loop(INNER_LIP_UPPER, INNER_LIP_LOWER)


@lru_cache(maxsize=1)
def tessellation() -> np.ndarray:
    """(852, 3) int32 triangles of MediaPipe's face mesh (skin only: eyes and mouth are holes)."""
    from mediapipe.tasks.python import vision

    edges = [(c.start, c.end) for c in vision.FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION]
    tris = np.array([[edges[i][0], edges[i + 1][0], edges[i + 2][0]] for i in range(0, len(edges), 3)],
                    dtype=np.int32)
    return tris
