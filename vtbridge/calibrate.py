"""``vtbridge calibrate``: record ~2 s of the neutral face from a source and store it for that source."""

from __future__ import annotations

import sys
from pathlib import Path

from vtbridge.errors import SourceError
from vtbridge.signal.calibration import Calibration, CalibrationRecorder, save_calibration
from vtbridge.sources import open_source
from vtbridge.tracking.landmarker import Tracker, TrackerOptions


def calibrate_source(spec: str, *, duration: float = 2.0, mirror: bool = False) -> tuple[Path, Calibration]:
    source = open_source(spec, realtime=True)
    recorder = CalibrationRecorder(duration, source=source.name)
    print("relax your face and look at the screen...", file=sys.stderr)
    try:
        with Tracker(TrackerOptions(mirror=mirror)) as tracker:
            while not recorder.done:
                frame = source.read(timeout=5.0)
                if frame is None:
                    break
                recorder.add(tracker.process(frame))
    except TimeoutError:
        raise SourceError(f"source {spec!r} stopped sending frames during calibration") from None
    finally:
        source.close()
    cal = recorder.finish()
    return save_calibration(cal), cal
