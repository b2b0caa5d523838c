"""The live pipeline in-process on the vendored clip: commands from viewers, outputs made lazily, one failing
output isolated from the others, calibration on request."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import VENDORED_CLIP, wait
from tests.e2e.test_run_udp import Receiver
from vtbridge.daemon.control import Command
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.outputs.base import OutputStatus
from vtbridge.outputs.udp import ifm_output, vmc_output
from vtbridge.signal.calibration import calibration_path


class Exploding:
    """An output with a bug: every send raises."""

    name = "boom"

    def __init__(self):
        self.calls = 0

    def send(self, frame):
        self.calls += 1
        raise RuntimeError("bug in an output")

    def status(self):
        return OutputStatus(self.name)

    def close(self):
        pass




@pytest.fixture
def running():
    a, b = Receiver(), Receiver()
    boom = Exploding()
    changes, lines = [], []
    bindings = [Binding("vmc", "vseeface", True, factory=lambda: vmc_output([("127.0.0.1", a.port)])),
                Binding("ifm", "ifacialmocap", False, factory=lambda: ifm_output([("127.0.0.1", b.port)], 1)),
                Binding("boom", "arkit", True, output=boom)]
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0), bindings,
                    main_profile="vseeface", printer=lines.append, on_change=changes.append)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    yield pipe, a, b, boom, changes, lines
    pipe.stop()
    thread.join(10)
    assert not thread.is_alive()
    for x in bindings:
        x.close()
    a.close()
    b.close()


def test_a_failing_output_never_stops_tracking_or_the_others(running):
    pipe, a, b, boom, _, _ = running
    wait(lambda: len(a.packets) > 30 and boom.calls > 10)
    snap = pipe.snapshot()
    info = {o.name: o for o in snap.outputs}
    assert snap.state == "tracking" and snap.face and snap.fps > 0
    assert "bug in an output" in info["boom"].last_error
    assert info["vmc"].state in ("ok", "waiting") and info["ifm"].state == "off" and not b.packets


def test_outputs_are_switched_and_made_on_demand_and_choices_reported(running):
    pipe, a, b, _, changes, _ = running
    wait(lambda: len(a.packets) > 5)
    pipe.submit(Command("set_output", ("ifm", True)))
    wait(lambda: len(b.packets) > 5)  # made on a helper thread, then fed every frame
    assert Command("set_output", ("ifm", True)) in changes
    pipe.submit(Command("toggle_output", "vmc"))
    wait(lambda: not {o.name: o for o in pipe.snapshot().outputs}["vmc"].enabled)
    time.sleep(0.2)
    n = len(a.packets)
    time.sleep(0.5)
    assert len(a.packets) == n and Command("set_output", ("vmc", False)) in changes


def test_pause_profile_switch_and_calibration(running):
    pipe, a, _, _, changes, lines = running
    wait(lambda: len(a.packets) > 5)
    pipe.submit(Command("pause"))
    wait(lambda: pipe.snapshot().state == "paused")
    time.sleep(0.2)
    n = len(a.packets)
    time.sleep(0.4)
    assert len(a.packets) == n
    pipe.submit(Command("resume"))
    wait(lambda: len(a.packets) > n + 5)
    pipe.submit(Command("set_profile", "no-such-profile"))
    pipe.submit(Command("set_profile", "vrm1"))
    wait(lambda: pipe.snapshot().profile == "vrm1")
    assert any("no-such-profile" in line and "keeping 'vseeface'" in line for line in lines)
    wait(lambda: "aa" in pipe.snapshot().values)  # VRM 1.0 presets now flow
    assert Command("set_profile", "vrm1") in changes
    pipe.submit(Command("calibrate"))
    wait(lambda: pipe.snapshot().calibrated, timeout=30)
    assert calibration_path(str(VENDORED_CLIP)).exists()
