"""A mild face touch-up: edge-preserving smoothing of the skin, never of the eyes, brows or lips.

The skin region is the face oval from the 478 landmarks minus the (slightly grown) eyes, eyebrows and lips, with a
feathered edge. The smoothing is a bilateral filter (it flattens small blemishes and noise but keeps edges), run on
the face's own box only, at a working size where the face is about 200 px tall, so the cost does not grow with the
camera's resolution. ``strength`` 0-100 sets how much of the smoothed skin is blended in (100 is still mild).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from vtbridge.frames import FaceFrame

_WORK_FACE_PX = 200


@lru_cache(maxsize=1)
def regions() -> dict[str, np.ndarray]:
    """Landmark indices of each region, from MediaPipe's own face-mesh connection lists."""
    from mediapipe.tasks.python.vision import FaceLandmarksConnections as C

    def idx(conns) -> np.ndarray:
        return np.array(sorted({c.start for c in conns} | {c.end for c in conns}), dtype=np.intp)

    return {"oval": idx(C.FACE_LANDMARKS_FACE_OVAL),
            "keep": [idx(C.FACE_LANDMARKS_LEFT_EYE), idx(C.FACE_LANDMARKS_RIGHT_EYE),
                     idx(C.FACE_LANDMARKS_LEFT_EYEBROW), idx(C.FACE_LANDMARKS_RIGHT_EYEBROW),
                     idx(C.FACE_LANDMARKS_LIPS)]}


def skin_mask(points: np.ndarray, shape: tuple[int, int], grow: float) -> np.ndarray:
    """float32 mask (``shape`` = (h, w)) of the face oval minus eyes, brows and lips; ``points`` in the same
    pixel coordinates; ``grow`` px widens the excluded features and feathers the result."""
    r = regions()
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points[r["oval"]].astype(np.int32)), 255)
    for keep in r["keep"]:
        hull = cv2.convexHull(points[keep].astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 0)
        cv2.polylines(mask, [hull], True, 0, thickness=max(1, int(round(grow))))
    sigma = max(0.5, grow / 2)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), sigma) * (mask > 0)


def touch_up(image: np.ndarray, face: FaceFrame | None, strength: int) -> np.ndarray:
    """The image with the skin smoothed by ``strength`` (0-100); unchanged without a face."""
    if strength <= 0 or face is None or not face.found or face.landmarks is None:
        return image
    pts = face.landmarks_px
    ih, iw = image.shape[:2]
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - 4
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 4
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(iw, x1), min(ih, y1)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return image
    roi = image[y0:y1, x0:x1]
    scale = min(1.0, _WORK_FACE_PX / (y1 - y0))
    work = cv2.resize(roi, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else roi
    wpts = (pts - (x0, y0)) * scale
    mask = skin_mask(wpts, work.shape[:2], grow=0.02 * work.shape[0] + 1)
    smooth = cv2.bilateralFilter(work, 9, 12 + 0.4 * strength, 5)
    amount = 0.85 * strength / 100.0
    if scale < 1:  # back at full size: the smoothed skin is smooth by construction, so upscaling it is enough
        smooth = cv2.resize(smooth, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    weight = (amount * mask)[..., None]
    new = roi.astype(np.float32) * (1.0 - weight) + smooth.astype(np.float32) * weight
    out = image.copy()
    out[y0:y1, x0:x1] = np.clip(new + 0.5, 0, 255).astype(np.uint8)
    return out
