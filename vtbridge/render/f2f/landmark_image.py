"""The three landmark images the motion net reads, drawn exactly as the official code draws them.

Sizes are 1/16, 1/8 and 1/4 of the output size (32, 64, 128 px at 512). A point ``x`` in [-1, 1] goes to pixel
``int((x + 1) / 2 * (S - 1))`` (float32, truncated toward zero). Black uint8 background, 1-px ``cv2.LINE_4``
polylines; a part with one index is a filled radius-1 circle; a list of lists draws each sub-list on its own. Parts
are drawn in a fixed order (later ones overwrite): left brow, right brow, left eye, right eye, nose, mouth, contour.
Colour triplets are written in array order (channel 0 first), then the image becomes ``2*x/255 - 1``, CHW.
"""

from __future__ import annotations

import cv2
import numpy as np

LEVEL_DIVISORS = (16, 8, 4)
COLOURS = {
    "left_brow": (0, 0, 255), "right_brow": (0, 255, 0), "left_eye": (255, 0, 0), "right_eye": (255, 255, 0),
    "nose": (255, 0, 255), "mouth": (0, 255, 255), "contour": (125, 125, 125),
}
ORDER = ("left_brow", "right_brow", "left_eye", "right_eye", "nose", "mouth", "contour")

#: Per level, per part: one polyline (a list of ints), several (a list of lists; a one-element list is a dot), a
#: single dot (one int in a list), or nothing.
PARTS = (
    {"left_brow": [], "right_brow": [], "left_eye": [42], "right_eye": [50], "nose": [30], "mouth": [52, 57],
     "contour": [0, 8, 9]},
    {"left_brow": [17, 21], "right_brow": [26, 22], "left_eye": [36, 38, 40, 42, 36],
     "right_eye": [48, 46, 44, 50, 48], "nose": [[27, 33, 31], [33, 35]], "mouth": [[52, 62, 57, 71, 52], [63], [70]],
     "contour": [0, 4, 8, 13, 9]},
    {"left_brow": [17, 18, 19, 20, 21], "right_brow": [26, 25, 24, 23, 22],
     "left_eye": [36, 37, 38, 39, 40, 41, 42, 43, 36], "right_eye": [48, 47, 46, 45, 44, 51, 50, 48, 48],
     "nose": [[27, 28, 29, 30, 33], [31, 32, 33], [35, 34, 33]],
     "mouth": [[52, 54, 53, 62, 58, 59, 57, 65, 66, 71, 69, 68, 52], [55, 56, 63, 61, 60, 64, 70, 67, 55]],
     "contour": [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 15, 14, 13, 12, 11, 10, 9]},
)


def pixel_points(points: np.ndarray, size: int) -> np.ndarray:
    """(72, 2) int pixel positions on an ``size`` square, as the official code truncates them."""
    p = np.asarray(points, dtype=np.float32)
    return np.trunc((p + np.float32(1)) / np.float32(2) * np.float32(size - 1)).astype(np.int64)


def _draw(img: np.ndarray, px: np.ndarray, ids: list, colour: tuple[int, int, int]) -> None:
    if not ids:
        return
    if len(ids) == 1 and not isinstance(ids[0], list):
        cv2.circle(img, (int(px[ids[0], 0]), int(px[ids[0], 1])), 1, colour, -1, cv2.LINE_4)
        return
    for line in (ids if isinstance(ids[0], list) else [ids]):
        if len(line) == 1:
            cv2.circle(img, (int(px[line[0], 0]), int(px[line[0], 1])), 1, colour, -1, cv2.LINE_4)
            continue
        for a, b in zip(line[:-1], line[1:]):
            cv2.line(img, (int(px[a, 0]), int(px[a, 1])), (int(px[b, 0]), int(px[b, 1])), colour, 1, cv2.LINE_4)


def draw_level(points: np.ndarray, level: int, output_size: int) -> np.ndarray:
    """One landmark image as uint8 HxWx3 (channel order as drawn)."""
    size = output_size // LEVEL_DIVISORS[level]
    img = np.zeros((size, size, 3), dtype=np.uint8)
    px = pixel_points(points, size)
    for part in ORDER:
        _draw(img, px, PARTS[level][part], COLOURS[part])
    return img


def landmark_images(points: np.ndarray, output_size: int) -> list[np.ndarray]:
    """The three network inputs, float32 (1, 3, S, S) in [-1, 1] (background -1)."""
    points = np.asarray(points, dtype=np.float32)
    if points.shape != (72, 2):
        raise ValueError(f"expected 72 landmarks (72, 2), got {points.shape}")
    out = []
    for level in range(len(LEVEL_DIVISORS)):
        img = draw_level(points, level, output_size).astype(np.float32)
        out.append((np.float32(2.0) * img.transpose(2, 0, 1) / np.float32(255.0) - np.float32(1.0))[None])
    return out
