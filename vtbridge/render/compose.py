"""Geometry shared by every renderer: fit a picture into the output size without stretching (letterbox), fill it
completely (cover, for background pictures), crop a rectangle, and the final mirror/flip.

Pure functions on numpy images; no state.
"""

from __future__ import annotations

import cv2
import numpy as np


def fit_rect(src: tuple[int, int], dst: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x, y, w, h) of ``src`` (w, h) scaled to fit inside ``dst`` (w, h), centred, aspect kept."""
    sw, sh = src
    dw, dh = dst
    scale = min(dw / sw, dh / sh)
    w, h = max(1, round(sw * scale)), max(1, round(sh * scale))
    return (dw - w) // 2, (dh - h) // 2, w, h


def _resize(image: np.ndarray, w: int, h: int) -> np.ndarray:
    ih, iw = image.shape[:2]
    if (iw, ih) == (w, h):
        return image
    interp = cv2.INTER_AREA if w < iw else cv2.INTER_LINEAR
    return cv2.resize(image, (w, h), interpolation=interp)


def letterbox(image: np.ndarray, size: tuple[int, int], fill: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """``image`` scaled to fit ``size`` (w, h) with bars of ``fill``; never stretched."""
    h, w = image.shape[:2]
    x, y, fw, fh = fit_rect((w, h), size)
    if (fw, fh) == tuple(size):
        return np.ascontiguousarray(_resize(image, fw, fh))
    out = np.empty((size[1], size[0], 3), np.uint8)
    out[:] = fill
    out[y:y + fh, x:x + fw] = _resize(image, fw, fh)
    return out


def cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to cover ``size`` (w, h) completely, centred, the overflow cropped; never stretched."""
    h, w = image.shape[:2]
    dw, dh = size
    scale = max(dw / w, dh / h)
    sw, sh = max(dw, round(w * scale)), max(dh, round(h * scale))
    scaled = _resize(image, sw, sh)
    x, y = (sw - dw) // 2, (sh - dh) // 2
    return np.ascontiguousarray(scaled[y:y + dh, x:x + dw])


def crop_to(image: np.ndarray, rect: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """The ``rect`` (x, y, w, h, in pixels, inside the image) scaled to ``size``; letterboxed if aspects differ."""
    x, y, w, h = rect
    ih, iw = image.shape[:2]
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(iw, int(round(x + w))), min(ih, int(round(y + h)))
    return letterbox(image[y0:y1, x0:x1], size)


def orient(image: np.ndarray, mirror: bool, flip: bool) -> np.ndarray:
    """Mirror (left-right) and/or flip (upside down, for cameras mounted that way)."""
    if mirror and flip:
        return cv2.flip(image, -1)
    if mirror:
        return cv2.flip(image, 1)
    if flip:
        return cv2.flip(image, 0)
    return image
