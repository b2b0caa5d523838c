"""Low-light lift: brighten a dim picture automatically, gently, and without pumping.

It measures the brightness where it matters (the face when there is one, else the whole frame), picks a gamma that
brings it toward a comfortable level, smooths that choice over time (a sudden lamp does not flash the picture), and
adds local contrast (CLAHE on the luma) only when the picture is really dark. A well-lit picture is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class LightOptions:
    target: float = 0.5  # mean luma (0..1) a lifted face should reach
    threshold: float = 0.42  # below this mean luma the lift starts
    gamma_min: float = 0.45  # the strongest lift allowed (gamma < 1 brightens)
    clahe_below: float = 0.25  # also add local contrast below this mean luma
    smoothing: float = 0.15  # share of the new gamma taken per frame


def mean_luma(image: np.ndarray, box: tuple[float, float, float, float] | None = None) -> float:
    """Mean luma (0..1) of the image, or of ``box`` (cx, cy, w, h in pixels) when given."""
    if box is not None:
        cx, cy, bw, bh = box
        ih, iw = image.shape[:2]
        x0, y0 = max(0, int(cx - bw / 2)), max(0, int(cy - bh / 2))
        x1, y1 = min(iw, int(cx + bw / 2)), min(ih, int(cy + bh / 2))
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            image = image[y0:y1, x0:x1]
    small = image[::4, ::4]
    b, g, r = (float(small[..., i].mean()) for i in range(3))
    return (0.114 * b + 0.587 * g + 0.299 * r) / 255.0


def gamma_for(luma: float, o: LightOptions = LightOptions()) -> float:
    """The gamma that maps ``luma`` to the target (1.0: no change for a well-lit picture)."""
    if luma >= o.threshold:
        return 1.0
    luma = max(luma, 1e-3)
    return float(np.clip(np.log(o.target) / np.log(luma), o.gamma_min, 1.0))


class LowLight:
    """``process(image, face_box) -> image``, stateful only for the smoothed gamma."""

    def __init__(self, options: LightOptions = LightOptions()) -> None:
        self.options = options
        self.gamma = 1.0
        self._luts: dict[int, np.ndarray] = {}
        self._clahe = cv2.createCLAHE(clipLimit=1.6, tileGridSize=(8, 8))

    def _lut(self, gamma: float) -> np.ndarray:
        key = int(round(gamma * 100))
        if key not in self._luts:
            x = np.arange(256, dtype=np.float32) / 255.0
            self._luts[key] = np.clip(255.0 * x ** (key / 100.0) + 0.5, 0, 255).astype(np.uint8)
        return self._luts[key]

    def process(self, image: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
        o = self.options
        luma = mean_luma(image, box)
        self.gamma += o.smoothing * (gamma_for(luma, o) - self.gamma)
        if self.gamma > 0.995:
            return image
        out = cv2.LUT(image, self._lut(self.gamma))
        if luma < o.clahe_below:
            ycc = cv2.cvtColor(out, cv2.COLOR_BGR2YCrCb)
            ycc[..., 0] = self._clahe.apply(ycc[..., 0])
            out = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)
        return out
