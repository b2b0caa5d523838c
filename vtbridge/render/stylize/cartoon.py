"""A built-in cartoon look without any model: flat colour areas and dark ink edges.

Edge-preserving smoothing (bilateral filter at half size, twice) flattens skin and cloth into areas, a colour
quantisation gives them poster-like steps, and an adaptive threshold on the blurred luminance draws the ink lines.
About 5 ms at 640x360 here.
"""

from __future__ import annotations

import cv2
import numpy as np


def cartoon(image: np.ndarray, levels: int = 8, edge_block: int = 9, edge_c: int = 4) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(2, w // 2), max(2, h // 2)), interpolation=cv2.INTER_AREA)
    for _ in range(2):
        small = cv2.bilateralFilter(small, 7, 40, 7)
    flat = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    step = 256 // max(2, levels)
    flat = (flat // step * step + step // 2).astype(np.uint8)
    grey = cv2.medianBlur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 5)
    edges = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, edge_block | 1, edge_c)
    return cv2.bitwise_and(flat, flat, mask=edges)
