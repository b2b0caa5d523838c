"""MediaPipe's 478 face landmarks -> Face2FaceRHO's 72-point layout: an authored correspondence table.

Face2FaceRHO's 72 points are fixed points of a 3-D face model projected into the crop (contour points are mesh
points, not sliding silhouette points), and MediaPipe's face mesh is also a fixed-topology 3-D mesh, so a fixed
vertex-to-point table matches the network's design.

How the table was authored (``docs/f2f.md``): MediaPipe Face Landmarker ran on the official example's
``source.jpg``; each of the 72 ``original/`` landmarks was given the nearest MediaPipe vertex, each vertex used
once (iris points excluded), and the points on the face's mid-line (nose bridge 27-30, nostril centre 33, lip
mid-points 62, 63, 70, 71, chin 8) were restricted to MediaPipe's mid-line vertices so the table does not lean
towards that photo's head turn. Checked on the held-out ``driving.jpg``: NME 0.052 (mean point error over the
outer-eye-corner distance; 0.031 on the source it was fitted on), against 0.053-0.056 for the official
DECA/FLAME-derived points. ``tests/f2f/test_keypoints.py`` keeps it under ``NME_BOUND``.

72-point semantics (image left/right for a subject facing the camera): contour 0-8 from the image-left temple to
the chin (8), 9-16 from the image-right temple down to beside the chin; brows 17-21 image-left, 22-26
image-right; nose bridge 27-30 (30 the tip), nostril base 31-35 (33 centre); image-left eye 36-43 (36 outer
corner, 40 inner), image-right eye 44-51 (44 inner, 48 outer); mouth outer corners 52 and 57, inner corners 55
and 60, mid-line points 62, 63, 70, 71.
"""

from __future__ import annotations

import numpy as np

NME_BOUND = 0.07  # documented bound for the official test case (measured 0.031 source, 0.052 driving)

#: F2F point i <- MediaPipe vertex MEDIAPIPE_72[i].
MEDIAPIPE_72 = (
    127, 234, 137, 177, 215, 135, 150, 176, 152,  # 0-8 contour, image-left temple -> chin
    383, 340, 323, 411, 288, 364, 395, 377,  # 9-16 contour, image-right temple -> beside the chin
    63, 105, 52, 66, 107,  # 17-21 image-left brow
    336, 295, 296, 334, 293,  # 22-26 image-right brow
    168, 6, 195, 4,  # 27-30 nose bridge, 30 = tip
    98, 99, 2, 462, 305,  # 31-35 nostril base, 33 = centre
    33, 161, 159, 157, 173, 153, 145, 163,  # 36-43 image-left eye
    398, 384, 386, 387, 263, 390, 374, 380,  # 44-51 image-right eye
    78, 37, 39, 183, 81, 291, 302, 304, 292, 311,  # 52-61 mouth
    11, 13, 318, 404, 314, 178, 180, 85, 14, 16,  # 62-71 mouth
)
_INDEX = np.array(MEDIAPIPE_72, dtype=np.intp)
OUTER_EYE_CORNERS = (36, 48)
NOSE_TIP = 30


def to_72(points478: np.ndarray) -> np.ndarray:
    """(478, k) -> (72, k), any coordinate frame."""
    return np.asarray(points478)[_INDEX]


def nme(predicted: np.ndarray, reference: np.ndarray) -> float:
    """Mean point distance over the reference's outer-eye-corner distance."""
    p, g = np.asarray(predicted, dtype=np.float64)[:, :2], np.asarray(reference, dtype=np.float64)[:, :2]
    a, b = OUTER_EYE_CORNERS
    return float(np.linalg.norm(p - g, axis=1).mean() / np.linalg.norm(g[a] - g[b]))


def mediapipe_to_crop(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """MediaPipe's normalised image coordinates -> the network's [-1, 1] crop coordinates of a square image
    (pixel ``u = x*W`` has its centre at ``u - 0.5``; the network maps [-1, 1] onto pixel centres 0..S-1)."""
    lm = np.asarray(landmarks, dtype=np.float64)
    out = np.empty((len(lm), 2))
    out[:, 0] = 2.0 * (lm[:, 0] * width - 0.5) / (width - 1) - 1.0
    out[:, 1] = 2.0 * (lm[:, 1] * height - 0.5) / (height - 1) - 1.0
    return out
