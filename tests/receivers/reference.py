"""Independent references computed from MediaPipe's raw landmarks only (no pose, gaze or blendshape maths): which
way the nose moves in the image, which eyelid is the more closed, which way the irises move. Each returns a value
per frame in image terms (positive = toward image-right / the image-right eye)."""

from __future__ import annotations

import numpy as np

NOSE_TIP, FACE_SIDE_A, FACE_SIDE_B = 1, 234, 454
EYES = (  # (upper lid, lower lid, corner, corner, iris centre) of each eye, in MediaPipe's mesh numbering
    (159, 145, 33, 133, 468),
    (386, 374, 362, 263, 473),
)


def _face_width(lm: np.ndarray) -> float:
    return float(abs(lm[FACE_SIDE_B, 0] - lm[FACE_SIDE_A, 0])) or 1e-6


def nose_offset(lm: np.ndarray) -> float:
    """Nose tip relative to the middle of the face outline, in face widths (> 0: nose toward image-right)."""
    mid = 0.5 * (lm[FACE_SIDE_A, 0] + lm[FACE_SIDE_B, 0])
    return float(lm[NOSE_TIP, 0] - mid) / _face_width(lm)


def eye_apertures(lm: np.ndarray) -> tuple[float, float]:
    """(image-left eye, image-right eye) lid gaps, in face widths."""
    eyes = sorted((float(lm[c1, 0] + lm[c2, 0]) / 2, abs(float(lm[up, 1] - lm[lo, 1])) / _face_width(lm))
                  for up, lo, c1, c2, _ in EYES)
    return eyes[0][1], eyes[1][1]


def iris_offset(lm: np.ndarray) -> float:
    """Mean iris position relative to its eye's corners, in eye widths (> 0: irises toward image-right)."""
    offs = []
    for _, _, c1, c2, iris in EYES:
        width = abs(float(lm[c2, 0] - lm[c1, 0])) or 1e-6
        offs.append((float(lm[iris, 0]) - 0.5 * float(lm[c1, 0] + lm[c2, 0])) / width)
    return float(np.mean(offs))


def closed_side(apertures: np.ndarray) -> np.ndarray:
    """Per frame: +1 when the image-right eye is the more closed (relative to each eye's own median gap), -1 when
    the image-left one is, and the size of the difference (to keep only clear winks)."""
    rel = apertures / np.median(apertures, axis=0)
    diff = rel[:, 0] - rel[:, 1]  # image-left gap minus image-right gap: > 0 when the right one is more closed
    return np.sign(diff), np.abs(diff)
