"""Choices from the tray or dashboard are saved off the tracking thread, coalesced, and the last one is never lost.

The end-to-end test runs the real daemon assembly (``run_app``) on the vendored clip with a slow disk (fsync takes
20 ms, like a scanned or network drive), flips an output 300 times through the real dashboard websocket, and
measures the largest gap between VMC datagrams at a real UDP receiver: tracking must not notice the saves.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time

import cv2
from websockets.sync.client import connect

from tests.conftest import VENDORED_CLIP
from tests.e2e.test_run_udp import Receiver
from vtbridge.daemon import app, config as cfg
from vtbridge.daemon.control import Command
from vtbridge.daemon.persist import ChoiceSaver, choice_of


class SlowWrites:
    """A write function that blocks until released, recording every batch it was given."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Event()
        self.batches: list[dict] = []

    def __call__(self, batch):
        self.batches.append(dict(batch))
        self.started.set()
        assert self.release.wait(10)


def test_submit_never_waits_for_the_disk_and_a_burst_is_coalesced():
    writes = SlowWrites()
    saver = ChoiceSaver(writes)
    saver.submit(Command("set_output", ("ifm", True)))
    assert writes.started.wait(5)  # the first write is now stuck on the "disk"
    for i in range(300):
        saver.submit(Command("set_output", ("ifm", i % 2 == 0)))
        saver.submit(Command("set_profile", f"p{i}"))
    assert not saver.flush(timeout=0.05)  # still stuck: submit returned without waiting for it
    writes.release.set()
    assert saver.flush(timeout=5)
    saver.close()
    assert len(writes.batches) == 2  # the stuck one, then everything else in one write
    assert writes.batches[-1] == {"outputs.ifm.enabled": False, "profile": "p299"}  # the newest of each key


def test_close_writes_what_is_pending():
    writes = SlowWrites()
    saver = ChoiceSaver(writes)
    saver.submit(Command("set_camera", "camera:A"))
    assert writes.started.wait(5)
    saver.submit(Command("set_camera", "camera:B"))
    writes.release.set()
    saver.close()
    assert writes.batches == [{"source": "camera:A"}, {"source": "camera:B"}]


def test_a_failing_write_is_reported_and_the_saver_goes_on():
    lines, done = [], []

    def write(batch):
        if "profile" in batch:
            raise OSError(28, "No space left on device")
        done.append(batch)

    saver = ChoiceSaver(write, report=lines.append)
    saver.submit(Command("set_profile", "arkit"))
    assert saver.flush(5)
    saver.submit(Command("set_output", ("vts", True)))
    saver.close()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "this run only" in lines[0]
    assert done == [{"outputs.vts.enabled": True}]


def test_only_choices_worth_keeping_are_saved():
    assert choice_of(Command("set_output", ("vmc", False))) == ("outputs.vmc.enabled", False)
    assert choice_of(Command("set_profile", "arkit")) == ("profile", "arkit")
    assert choice_of(Command("set_camera", "1")) == ("source", "1")
    assert choice_of(Command("pause")) is None and choice_of(Command("calibrate")) is None


def test_save_choices_writes_one_file_and_keeps_good_keys_next_to_a_bad_one(capsys):
    app.save_choices({"outputs.ifm.enabled": True, "profile": "arkit"})
    assert json.loads(cfg.config_path().read_text()) == {"profile": "arkit", "outputs": {"ifm": {"enabled": True}}}
    app.save_choices({"outputs.vts.enabled": True, "source": ""})  # an empty source is not a valid value
    assert cfg.load().outputs.vts.enabled and cfg.load().source == "0"
    assert "could not save source" in capsys.readouterr().out


def _clip_fps() -> float:
    cap = cv2.VideoCapture(str(VENDORED_CLIP))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return fps if fps and fps > 1 else 30.0


def test_300_dashboard_toggles_on_a_slow_disk_do_not_stall_tracking(monkeypatch, capsys):
    real_fsync = os.fsync

    def slow_fsync(fd):  # a scanned / network disk: every fsync takes 20 ms
        time.sleep(0.02)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    pipelines = []

    class Recorded(app.Pipeline):  # the real pipeline; the test keeps a handle to stop it when done
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pipelines.append(self)

    monkeypatch.setattr(app, "Pipeline", Recorded)
    receiver = Receiver()
    config = cfg.apply_overrides(cfg.DEFAULT, {
        "source": str(VENDORED_CLIP), "tray": False, "outputs.vmc.targets": [f"127.0.0.1:{receiver.port}"],
        "outputs.ifm.targets": ["127.0.0.1:9"]})
    result = {}
    runner = threading.Thread(target=lambda: result.setdefault(
        "rc", app.run_app(config, app.AppOptions(duration=120, status_interval=0))), name="daemon")
    runner.start()
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            m = re.search(r"dashboard: http://127\.0\.0\.1:(\d+)/\?token=(\S+)", capsys.readouterr().out)
            url = m and m.groups()
            time.sleep(0.05)
        assert url, "the daemon printed no dashboard URL"
        port, token = url
        while not receiver.packets or time.monotonic() - receiver.packets[0][0] < 1.5:  # tracking, warmed up
            assert time.monotonic() < deadline and runner.is_alive()
            time.sleep(0.05)
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}", origin=f"http://127.0.0.1:{port}",
                     open_timeout=10) as ws:
            t_first = time.monotonic()
            for i in range(300):  # every message flips the iFacialMocap output: 300 choices to save
                ws.send(json.dumps({"kind": "set_output", "arg": ["ifm", i % 2 == 0]}))
            t_last = time.monotonic()
            time.sleep(1.5)  # the pipeline drains the commands, the saver writes
        start, end = t_first - 0.5, t_last + 1.5
        window = [t for t, _ in receiver.packets if start <= t <= end]
        edges = [start, *window, end]  # a stall that outlasts the window counts up to its end
        gaps = [b - a for a, b in zip(edges, edges[1:])]
    finally:
        for pipeline in pipelines:
            pipeline.stop()
        receiver.close()
        runner.join(40)
    assert result.get("rc") == 0
    interval = 1.0 / _clip_fps()
    # Saving on the tracking thread stalled it for seconds here (300 x 2 fsyncs of 20 ms). A loaded 2-core machine
    # may still delay a frame or two, hence the generous multiple of the frame interval.
    slow = [(round(t - t_first, 3), round(g, 3)) for t, g in zip(edges, gaps) if g > 2 * interval]
    assert max(gaps) < 8 * interval, f"largest gap {max(gaps) * 1000:.0f} ms (frame interval " \
                                     f"{interval * 1000:.0f} ms); slow gaps (s after the first toggle, s): {slow}"
    assert cfg.load().outputs.ifm.enabled is False  # the last toggle (off) is what the file keeps
