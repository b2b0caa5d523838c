"""VTube Studio ``add`` mode sends offsets from the calibrated neutral face, not absolute values: VTS adds them to
its own tracking, so absolute head angles would double and 0.5-neutral parameters would be pushed to 1."""

from __future__ import annotations

import numpy as np
import pytest

from tests.vts.test_protocol import reply, sent
from vtbridge.frames import ARKIT_INDEX, FaceFrame, HeadPose, neutral_blendshapes
from vtbridge.mapping.profile import load_profile
from vtbridge.protocols.vts import Session, State
from vtbridge.protocols.vts_offsets import neutral_face, neutral_values

VTS_DEFAULTS = {"FaceAngleX": (-30, 30), "MouthSmile": (0, 1), "EyeOpenLeft": (0, 1), "BrowLeftY": (0, 1),
                "FacePositionZ": (-10, 10)}
PARAMS = {"defaultParameters": [{"name": n, "addedBy": "VTube Studio", "value": 0, "min": lo, "max": hi,
                                 "defaultValue": 0} for n, (lo, hi) in VTS_DEFAULTS.items()],
          "customParameters": []}


def session(mode: str, neutral):
    s = Session(developer="tests", token="tok", mode=mode, neutral=neutral)
    (msg,) = sent(s.connected(0.0))
    (msg,) = sent(s.receive(reply(msg, {"authenticated": True, "reason": "ok"}), 0.0))
    s.receive(reply(msg, PARAMS), 0.0)
    assert s.state is State.STREAMING
    return s


def injected(s: Session, mapped) -> dict:
    s.offer(mapped.names, mapped.values, True, 1.0)
    (msg,) = [m for m in sent(s.poll(1.0)) if m["messageType"] == "InjectParameterDataRequest"]
    return {p["id"]: p["value"] for p in msg["data"]["parameterValues"]}, msg["data"]["mode"]


def test_neutral_values_of_the_vtube_studio_profile():
    n = neutral_values(load_profile("vtube-studio"))
    assert n["FaceAngleX"] == 0 and n["MouthSmile"] == pytest.approx(0.5) and n["EyeOpenLeft"] == 1
    assert n["BrowLeftY"] == pytest.approx(0.5) and n["FacePositionZ"] == 0
    assert neutral_face().found and not neutral_face().blendshapes.any()


def test_add_mode_sends_offsets_set_mode_absolute_values():
    profile = load_profile("vtube-studio")
    bs = neutral_blendshapes()
    bs[ARKIT_INDEX["eyeBlinkLeft"]] = 0.9  # left eye closed
    face = FaceFrame(t=1.0, found=True, blendshapes=bs, head=HeadPose(yaw=12.0, z=-50.0))
    mapped = profile.mapper().process(face)
    absolute, mode = injected(session("set", None), mapped)
    assert mode == "set" and absolute["FaceAngleX"] == pytest.approx(12.0) and absolute["MouthSmile"] == 0.5
    offsets, mode = injected(session("add", neutral_values(profile)), mapped)
    assert mode == "add"
    assert offsets["FaceAngleX"] == pytest.approx(12.0)  # the head turned 12 degrees from neutral
    assert offsets["MouthSmile"] == pytest.approx(0.0) and offsets["BrowLeftY"] == pytest.approx(0.0)  # at rest
    assert offsets["EyeOpenLeft"] == pytest.approx(-1.0)  # closed = 1 below its open neutral
    assert offsets["FacePositionZ"] == pytest.approx(0.0)
    rest, _ = injected(session("add", neutral_values(profile)), profile.mapper().process(neutral_face()))
    assert all(v == pytest.approx(0.0) for v in rest.values())  # the neutral face adds nothing
    assert np.isfinite(list(offsets.values())).all()


def test_add_mode_offsets_reach_vts_over_the_websocket(emulator, output_factory):
    """End to end through the real client and a websocket to the emulator: the same face sends absolute values in
    `set` mode and offsets in `add` mode."""
    import threading
    import time

    from tests.vts.conftest import wait_until

    profile = load_profile("vtube-studio")
    bs = neutral_blendshapes()
    bs[ARKIT_INDEX["mouthSmileLeft"]] = bs[ARKIT_INDEX["mouthSmileRight"]] = 0.4
    mapped = profile.mapper().process(FaceFrame(t=1.0, found=True, blendshapes=bs, head=HeadPose(yaw=-8.0, z=-50)))
    out = output_factory(emulator.url, mode="add", neutral=neutral_values(profile))
    stop = threading.Event()

    def feed():
        while not stop.is_set():
            out.send(mapped)
            time.sleep(0.01)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        assert wait_until(lambda: emulator.injections_snapshot(), 5.0), out.notices()
    finally:
        stop.set()
        feeder.join(2)
    got = emulator.injections_snapshot()[0]
    assert got.mode == "add"
    absolute = mapped.as_dict()
    assert absolute["MouthSmile"] == pytest.approx(0.8) and absolute["FaceAngleX"] == pytest.approx(-8.0)
    assert got.values["MouthSmile"] == pytest.approx(0.3, abs=1e-5)  # 0.8 - its 0.5 neutral
    assert got.values["FaceAngleX"] == pytest.approx(-8.0, abs=1e-5)
    assert got.values["EyeOpenLeft"] == pytest.approx(0.0, abs=1e-5)  # eyes open, as at rest
