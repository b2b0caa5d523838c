"""``vtbridge render --report``: render a clip, re-track what was rendered, and say how well it follows.

Prints APD/AED next to a still portrait's (``vtbridge.render.quality``) and the render speed, and can save a strip
picture: driver frames above the rendered frames at the same moments (what the README shows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import cv2
import numpy as np

from vtbridge.frames import FaceFrame
from vtbridge.render import quality


@dataclass(frozen=True)
class Report:
    quality: quality.Quality
    render_ms: float  # median per frame
    frames: int

    def as_dict(self) -> dict:
        return {"frames": self.frames, "render_ms": round(self.render_ms, 2),
                "render_fps": round(1000.0 / self.render_ms, 1) if self.render_ms > 0 else None,
                **self.quality.as_dict()}

    def lines(self) -> list[str]:
        q = self.quality
        return [f"frames {self.frames}, render {self.render_ms:.1f} ms/frame ({1000 / max(self.render_ms, 1e-9):.0f} fps)",
                f"APD {q.apd:.2f} deg (still portrait {q.static_apd:.2f})",
                f"AED {q.aed:.3f} (still portrait {q.static_aed:.3f}); centred {q.aed_centred:.3f} "
                f"(still {q.static_aed_centred:.3f})",
                f"output re-tracked as a face on {q.found:.0%} of frames"]

    def to_json(self) -> str:
        return json.dumps(self.as_dict())


def build_report(driver: list[FaceFrame], outputs: list[np.ndarray], render_ms: list[float],
                 still: np.ndarray | None = None) -> Report:
    rendered = quality.retrack(outputs)
    static = quality.retrack([still])[0] if still is not None else None
    return Report(quality=quality.measure(driver, rendered, static=static),
                  render_ms=float(np.median(render_ms)) if render_ms else 0.0, frames=len(outputs))


def strip(driver_images: list[np.ndarray], outputs: list[np.ndarray], columns: int = 6,
          height: int = 180) -> np.ndarray:
    """Driver frames (top row) above the rendered frames (bottom row), at evenly spaced moments."""
    n = min(len(driver_images), len(outputs))
    picks = np.linspace(0, n - 1, min(columns, n)).round().astype(int)

    def row(images):
        tiles = [cv2.resize(images[i], (max(1, round(images[i].shape[1] * height / images[i].shape[0])), height),
                            interpolation=cv2.INTER_AREA) for i in picks]
        return np.hstack(tiles)

    top, bottom = row(driver_images), row(outputs)
    width = max(top.shape[1], bottom.shape[1])
    pad = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in (top, bottom)]
    return np.vstack(pad)
