"""``vtbridge track``: a source through tracker -> calibration -> filter, one JSON line per frame, optional
annotated preview video. The offline face of the same stages the daemon runs live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2

from vtbridge.annotate import annotate
from vtbridge.errors import SourceError, VtbridgeError
from vtbridge.frames import FaceFrame
from vtbridge.progress import Progress
from vtbridge.signal.calibration import NO_CALIBRATION, Calibration, apply_calibration
from vtbridge.signal.smoothing import FaceSmoother, FilterConfig
from vtbridge.sources import Source
from vtbridge.tracking.landmarker import Tracker, TrackerOptions


@dataclass
class TrackSummary:
    frames: int = 0
    faces: int = 0


class PreviewWriter:
    """Annotated mp4 (mp4v) at the source's rate; opened lazily once the frame size is known."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = Path(path), fps
        self._writer: cv2.VideoWriter | None = None

    def write(self, image) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            h, w = image.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise VtbridgeError(f"preview {self.path}: cannot create the video file; check the folder exists "
                                    f"and is writable, and use a .mp4 name")
        self._writer.write(image)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def track(source: Source, out_path: Path, *, preview: Path | None = None, use_filter: bool = True,
          mirror: bool = False, calibration: Calibration = NO_CALIBRATION, filter_config: FilterConfig = FilterConfig(),
          progress: bool = True) -> TrackSummary:
    summary = TrackSummary()
    smoother = FaceSmoother(filter_config) if use_filter else None
    writer = PreviewWriter(preview, source.fps or 30.0) if preview else None
    bar = Progress(source.frame_count, "track", enabled=progress)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Tracker(TrackerOptions(mirror=mirror)) as tracker, open(out_path, "w", encoding="utf-8") as out:
            while True:
                frame = source.read()
                if frame is None:
                    break
                face: FaceFrame = apply_calibration(tracker.process(frame), calibration)
                if smoother is not None:
                    face = smoother.process(face)
                out.write(json.dumps(face.to_json(), separators=(",", ":")) + "\n")
                summary.frames += 1
                summary.faces += face.found
                if writer is not None:
                    writer.write(annotate(tracker.oriented(frame.image), face))
                bar.update()
    finally:
        bar.close()
        if writer is not None:
            writer.close()
        source.close()
    if summary.frames == 0:
        raise SourceError(f"source {source.name!r} produced no frames; check the file plays in a media player")
    return summary
