"""Live figures for viewers: output packet rates and the Snapshot (stage timings: ``vtbridge.timing``)."""

from __future__ import annotations

import time

from vtbridge.daemon.control import OutputInfo, Snapshot

_LANDMARK_STEP = 4  # send every 4th landmark to viewers: enough to draw the face, 1/4 of the bytes


class OutputRates:
    """Packets per second per output from the counters outputs keep, plus errors the pipeline caught."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, int, float]] = {}  # name -> (time, packets, rate)
        self._errors: dict[str, str] = {}

    def error(self, name: str, message: str) -> None:
        self._errors[name] = message

    def rate(self, name: str, packets: int) -> float:
        """Packets per second, re-measured at most once a second from the output's running count."""
        now = time.monotonic()
        if name not in self._last:
            self._last[name] = (now, packets, 0.0)
            return 0.0
        t, n, r = self._last[name]
        if now - t >= 1.0:
            r = (packets - n) / (now - t)
            self._last[name] = (now, packets, r)
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
        stages_ms=pipeline.stages.means(), outputs=tuple(outputs), landmarks=landmarks,
        source_dropped=live.source_dropped, latency_ms=pipeline.latency.means().get("frame_to_send", 0.0),
        vcam=next((b.effects() for b in pipeline.bindings if hasattr(b, "effects")), {}))
