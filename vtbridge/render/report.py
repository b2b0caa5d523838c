"""``vtbridge render --report``: render a clip, re-track what was rendered, and say how well it follows.

Prints APD/AED next to a still portrait's (``vtbridge.render.quality``) and the render speed, and can save a strip
picture: driver frames above the rendered frames at the same moments (what the README shows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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


class ReportCollector:
    """Collects what a report needs while a file renders, without keeping the video in memory: the driver's faces,
    the re-tracked output faces (a second tracker follows the output frame by frame), render times, and a few
    frames for the strip picture."""

    def __init__(self, total: int | None, columns: int = 6, fps: float = 25.0) -> None:
        from vtbridge.tracking.landmarker import Tracker

        self.tracker = Tracker()
        self.fps = fps or 25.0
        self.every = max(1, (total or 0) // columns) if total else 25
        self.driver: list[FaceFrame] = []
        self.rendered: list[FaceFrame] = []
        self.render_ms: list[float] = []
        self.strip_in: list[np.ndarray] = []
        self.strip_out: list[np.ndarray] = []

    def add(self, source_image: np.ndarray, face: FaceFrame, output: np.ndarray, render_s: float) -> None:
        from vtbridge.frames import Frame

        i = len(self.driver)
        self.driver.append(face)
        self.rendered.append(self.tracker.process(Frame(image=output, t=i / self.fps, index=i, source="rendered")))
        self.render_ms.append(render_s * 1000.0)
        if i % self.every == 0:
            self.strip_in.append(source_image.copy())
            self.strip_out.append(output.copy())

    def finish(self, static: FaceFrame | None = None) -> Report:
        self.tracker.close()
        return Report(quality=quality.measure(self.driver, self.rendered, static=static),
                      render_ms=float(np.median(self.render_ms)) if self.render_ms else 0.0,
                      frames=len(self.driver))

    def strip(self, columns: int = 6) -> np.ndarray:
        return strip(self.strip_in, self.strip_out, columns)


def strip(driver_images: list[np.ndarray], outputs: list[np.ndarray], columns: int = 6,
          height: int = 180) -> np.ndarray:
    """Driver frames (top row) above the rendered frames (bottom row), at evenly spaced moments; every tile is a
    square cut from the middle of its picture (the output's letterbox bars fall away)."""
    from vtbridge.render.compose import cover

    n = min(len(driver_images), len(outputs))
    picks = np.linspace(0, n - 1, min(columns, n)).round().astype(int)
    rows = [np.hstack([cover(images[i], (height, height)) for i in picks]) for images in (driver_images, outputs)]
    return np.vstack(rows)
