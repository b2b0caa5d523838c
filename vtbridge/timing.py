"""Per-stage durations, shared by the live pipeline (a rolling window for the dashboard) and ``vtbridge bench``
(every sample, for percentiles)."""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager, nullcontext

import numpy as np


class StageTimes:
    """Durations in ms per stage; ``window=None`` keeps every sample. Frames are counted on the ``track`` stage
    (for ``fps``)."""

    def __init__(self, window: int | None = 60) -> None:
        self.samples: dict[str, deque] = {}
        self._window = window
        self._frame_times: deque = deque(maxlen=window)

    def record(self, stage: str, ms: float) -> None:
        self.samples.setdefault(stage, deque(maxlen=self._window)).append(ms)
        if stage == "track":
            self._frame_times.append(time.monotonic())

    @contextmanager
    def time(self, stage: str):
        t0 = time.perf_counter()
        yield
        self.record(stage, (time.perf_counter() - t0) * 1000)

    def means(self) -> dict[str, float]:
        return {k: round(float(np.mean(v)), 3) for k, v in self.samples.items() if v}

    def fps(self) -> float:
        ts = self._frame_times
        if len(ts) < 2 or time.monotonic() - ts[-1] > 1.0:
            return 0.0
        return (len(ts) - 1) / (ts[-1] - ts[0])


def timed(clock: StageTimes | None, stage: str):
    """``clock.time(stage)``, or nothing when there is no clock (renderers are timed only where someone reads it)."""
    return clock.time(stage) if clock is not None else nullcontext()
