"""The live pipeline applies one avatar view to every output, lets an output keep its own, and switches live when
the tray or dashboard sends ``set_view`` (the choice is reported for saving)."""

from __future__ import annotations

import threading
import time

import numpy as np

from tests.conftest import VENDORED_CLIP, wait as shared_wait
from tests.e2e.test_run_udp import Receiver, osc_messages
from vtbridge.daemon.control import Command
from vtbridge.daemon.dashboard.server import parse_command
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.outputs.udp import vmc_output


def heads(receiver: Receiver) -> list[tuple]:
    """Every Head bone rotation received, in order, with the frame's /VMC/Ext/T."""
    out, t = [], None
    for _, data in list(receiver.packets):
        for msg in osc_messages(data):
            if msg.address == "/VMC/Ext/T":
                t = msg.params[0]
            elif msg.address == "/VMC/Ext/Bone/Pos" and msg.params[0] == "Head":
                out.append((t, tuple(msg.params[4:8])))
    return out


def wait(predicate):
    return shared_wait(predicate, timeout=30.0, step=0.02)


def test_outputs_follow_the_view_keep_their_own_and_switch_live():
    follows, camera = Receiver(), Receiver()
    changes = []
    bindings = [Binding("vmc", "vseeface", True, factory=lambda: vmc_output([("127.0.0.1", follows.port)])),
                Binding("cam", "vseeface", True, factory=lambda: vmc_output([("127.0.0.1", camera.port)]),
                        view="camera")]
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0), bindings,
                    main_profile="vseeface", printer=lambda _line: None, on_change=changes.append)
    assert pipe.view == "mirror" and [pipe.view_of(b) for b in bindings] == ["mirror", "camera"]
    thread = threading.Thread(target=pipe.run)
    thread.start()
    try:
        wait(lambda: len(heads(follows)) > 40 and len(heads(camera)) > 40)
        a, b = dict(heads(follows)), dict(heads(camera))
        same = [t for t in a if t in b and abs(b[t][1]) > 1e-3]  # frames both got, with some yaw
        assert len(same) > 20
        # mirror vs camera: the same rotation reflected, (x, y, z, w) -> (x, -y, -z, w)
        qa, qb = np.array([a[t] for t in same]), np.array([b[t] for t in same])
        np.testing.assert_allclose(qa[:, [0, 3]], qb[:, [0, 3]], atol=1e-5)
        np.testing.assert_allclose(qa[:, [1, 2]], -qb[:, [1, 2]], atol=1e-5)
        assert pipe.snapshot().view == "mirror"

        command = parse_command('{"kind": "set_view", "arg": "camera"}')  # what the dashboard sends
        assert command == Command("set_view", "camera") and parse_command('{"kind": "set_view", "arg": "x"}') is None
        pipe.submit(command)
        wait(lambda: pipe.view == "camera")
        assert changes[-1] == Command("set_view", "camera")
        assert [pipe.view_of(b) for b in bindings] == ["camera", "camera"]
        start = len(heads(follows)), len(heads(camera))  # frames sent before (or while) the switch
        wait(lambda: len(heads(follows)) > start[0] + 40 and len(heads(camera)) > start[1] + 40)
        a, b = dict(heads(follows)[start[0] + 5:]), dict(heads(camera)[start[1] + 5:])
        same = [t for t in a if t in b]
        assert len(same) > 10
        np.testing.assert_allclose(np.array([a[t] for t in same]), np.array([b[t] for t in same]), atol=1e-5)
        wait(lambda: pipe.snapshot().view == "camera")
        pipe.submit(Command("set_view", "selfie"))  # ignored, with a message
        time.sleep(0.2)
        assert pipe.view == "camera"
    finally:
        pipe.stop()
        thread.join(10)
        for x in bindings:
            x.close()
        follows.close()
        camera.close()
    assert not thread.is_alive()
