"""Where the network's square face crop sits in the output picture, and how its result goes back in.

The crop is framed like the official example (VoxCeleb-style, as the network was trained): centred between the
eye centres and the mouth, its side 4.5 times the 3-D outer-eye-corner distance (the example's corners span 0.22
of the crop). Cutting it is one affine warp (edges replicated where the crop leaves the picture). Going back, the
network's picture is warped into the crop's bounding box and blended through a soft mask: fully the network's
inside, ramping to the untouched portrait over ``feather`` of the crop side at its edges, so no seam shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CROP_PER_EYE_SPAN = 4.5


@dataclass(frozen=True, eq=False)
class FaceCrop:
    size: int  # network size S
    canvas: tuple[int, int]  # (width, height) of the picture the crop is cut from
    forward: np.ndarray  # 2x3: canvas pixel indices -> crop pixel indices (pixel centres at integers)
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) of the crop inside the canvas, clipped
    alpha: np.ndarray  # (y1-y0, x1-x0, 1) float32 blend weights in the box
    maps: tuple[np.ndarray, np.ndarray]  # remap tables: box pixel -> crop pixel

    def cut(self, image: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(image, self.forward, (self.size, self.size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)

    def to_crop(self, points_px: np.ndarray) -> np.ndarray:
        """Canvas pixel positions (edge convention, like MediaPipe's ``x*W``) -> the network's [-1, 1]."""
        p = (np.asarray(points_px, dtype=np.float64)[:, :2] - 0.5) @ self.forward[:, :2].T + self.forward[:, 2]
        return 2.0 * p / (self.size - 1) - 1.0

    def paste(self, canvas: np.ndarray, crop_bgr: np.ndarray) -> np.ndarray:
        """``canvas`` with the network's picture blended in (a new array)."""
        x0, y0, x1, y1 = self.box
        out = canvas.copy()
        if x1 <= x0 or y1 <= y0:
            return out
        warped = cv2.remap(crop_bgr, self.maps[0], self.maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        region = out[y0:y1, x0:x1].astype(np.float32)
        region += (warped.astype(np.float32) - region) * self.alpha
        out[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
        return out


def soft_square(size: int, feather: float) -> np.ndarray:
    """(size, size) weights: 1 inside, a smoothstep ramp over ``feather * size`` pixels to 0 at the edges."""
    ramp = max(1.0, feather * size)
    d = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32) + 0.5
    t = np.clip(d / ramp, 0.0, 1.0)
    t = t * t * (3.0 - 2.0 * t)
    return np.minimum(t[:, None], t[None, :])


def face_crop(points_px3: np.ndarray, canvas: tuple[int, int], size: int, feather: float = 0.08) -> FaceCrop:
    """The crop for a face whose 478 landmarks are ``points_px3`` (pixels, z scaled like x)."""
    p = np.asarray(points_px3, dtype=np.float64)
    eyes = (p[[33, 133, 159, 145]].mean(axis=0) + p[[263, 362, 386, 374]].mean(axis=0)) / 2.0
    mouth = p[[13, 14, 61, 291]].mean(axis=0)
    centre = (eyes[:2] + mouth[:2]) / 2.0 - 0.5  # pixel-index convention
    side = max(8.0, CROP_PER_EYE_SPAN * float(np.linalg.norm(p[33] - p[263])))
    scale = size / side
    mid = (size - 1) / 2.0
    forward = np.array([[scale, 0.0, mid - scale * centre[0]], [0.0, scale, mid - scale * centre[1]]])
    w, h = canvas
    x0, y0 = int(max(0, np.floor(centre[0] - side / 2))), int(max(0, np.floor(centre[1] - side / 2)))
    x1, y1 = int(min(w, np.ceil(centre[0] + side / 2))), int(min(h, np.ceil(centre[1] + side / 2)))
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    map_x = xs * np.float32(scale) + np.float32(forward[0, 2])
    map_y = ys * np.float32(scale) + np.float32(forward[1, 2])
    mask = soft_square(size, feather)
    alpha = cv2.remap(mask, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return FaceCrop(size=size, canvas=canvas, forward=forward, box=(x0, y0, x1, y1), alpha=alpha[..., None],
                    maps=(map_x, map_y))
