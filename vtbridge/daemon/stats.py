"""Live figures for viewers: per-stage latency over the last second, output packet rates, and the Snapshot."""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager

import numpy as np

from vtbridge.daemon.control import OutputInfo, Snapshot

_LANDMARK_STEP = 4  # send every 4th landmark to viewers: enough to draw the face, 1/4 of the bytes


class StageTimes:
    """Rolling per-stage durations (ms) over a window of recent frames."""

    def __init__(self, window: int = 60) -> None:
        self._samples: dict[str, deque] = {}
        self._window = window
        self._frame_times: deque = deque(maxlen=window)

    @contextmanager
    def time(self, stage: str):
        t0 = time.perf_counter()
        yield
        self._samples.setdefault(stage, deque(maxlen=self._window)).append((time.perf_counter() - t0) * 1000)
        if stage == "track":
            self._frame_times.append(time.monotonic())

    def means(self) -> dict[str, float]:
        return {k: round(float(np.mean(v)), 3) for k, v in self._samples.items() if v}

    def fps(self) -> float:
        ts = self._frame_times
        if len(ts) < 2 or time.monotonic() - ts[-1] > 1.0:
            return 0.0
        return (len(ts) - 1) / (ts[-1] - ts[0])


class OutputRates:
    """Packets per second per output from the counters outputs keep, plus errors the pipeline caught."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, int, float]] = {}  # name -> (time, packets, rate)
        self._errors: dict[str, str] = {}

    def error(self, name: str, message: str) -> None:
        self._errors[name] = message

    def rate(self, name: str, packets: int) -> float:
        now = time.monotonic()
        t, n, r = self._last.get(name, (now, packets, 0.0))
        if now - t >= 1.0:
            r = (packets - n) / (now - t)
            self._last[name] = (now, packets, r)
        elif name not in self._last:
            self._last[name] = (now, packets, 0.0)
        return r

    def caught(self, name: str) -> str | None:
        return self._errors.get(name)


def snapshot_of(pipeline, t: float) -> Snapshot:
    live = pipeline._live
    face = live.last_face
    outputs = []
    for b in pipeline.bindings:
        if b.output is None:  # not made yet (never enabled), being made, or failed to start
            state = "error" if b.error else ("connecting" if b.enabled else "off")
            outputs.append(OutputInfo(name=b.name, enabled=b.enabled, state=state, last_error=b.error))
            continue
        st = b.output.status()
        err = pipeline.rates.caught(b.name) or st.last_error
        outputs.append(OutputInfo(name=b.name, enabled=b.enabled, state=st.state if b.enabled else "off",
                                  packets_per_s=round(pipeline.rates.rate(b.name, st.packets), 1),
                                  packets=st.packets, last_error=err, detail=dict(st.detail)))
    landmarks = ()
    if face is not None and face.landmarks is not None:
        landmarks = tuple((round(float(x), 4), round(float(y), 4)) for x, y in face.landmarks[::_LANDMARK_STEP, :2])
    return Snapshot(
        state="paused" if live.paused else live.state, message=live.message, fps=round(pipeline.stages.fps(), 1),
        face=bool(face is not None and face.found), t=round(t, 3), source=pipeline.options.source,
        profile=pipeline.main_profile, profiles=pipeline.profile_names(), cameras=pipeline.cameras,
        calibrated=pipeline.calibration.calibrated,
        head={k: round(v, 2) for k, v in face.head.as_dict().items()} if face else {},
        gaze={k: round(v, 2) for k, v in face.gaze.as_dict().items()} if face else {},
        blendshapes={k: round(v, 3) for k, v in face.blendshape_dict().items()} if face else {},
        values={k: round(v, 3) for k, v in live.last_values.items()},
        stages_ms=pipeline.stages.means(), outputs=tuple(outputs), landmarks=landmarks)
