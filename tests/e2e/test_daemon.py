"""The daemon as people use it, end to end with the real pipeline on real clips: the dashboard in headless
Chromium, the tray under Xvfb with a real tray host, the single-instance lock, and recovery from a lost source."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import cv2
import pytest

from tests.conftest import REPO, VENDORED_CLIP, media
from tests.daemon.helpers import need
from tests.daemon.test_tray_e2e import desktop, icon_window, x  # noqa: F401  (desktop is a fixture)
from tests.e2e.test_run_udp import Receiver

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Daemon:
    """`vtbridge run` as a subprocess; stdout lines are collected as they come."""

    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen([sys.executable, "-m", "vtbridge.cli", "run", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env or dict(os.environ), cwd=REPO)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.seen[-30:]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def _count_since(rx: Receiver, t0: float) -> int:
    return sum(1 for t, _ in list(rx.packets) if t >= t0)


def test_dashboard_shows_live_values_from_a_shared_clip_and_refuses_strangers():
    need(programs=("chromium",), modules=("playwright",), why="the dashboard test needs Chromium")
    from playwright.sync_api import sync_playwright

    rx = Receiver()
    daemon = Daemon("--no-tray", "--source", media("drive_d3.mp4"), "--vmc", f"127.0.0.1:{rx.port}",
                    "--status-interval", "0")
    try:
        url = daemon.expect(r"dashboard: (http://127\.0\.0\.1:\d+/\?token=\S+)").group(1)
        base = url.split("?")[0]
        with pytest.raises(urllib.error.HTTPError) as refused:  # no token: nothing, not even the page
            urllib.request.urlopen(base, timeout=5)
        assert refused.value.code == 403
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.goto(url)
            deadline = time.monotonic() + 30
            while page.evaluate("Number(document.body.dataset.updates || 0)") < 20:
                assert time.monotonic() < deadline, "the page got no live updates"
                time.sleep(0.1)
            head = []
            for _ in range(6):  # values move with the face (head turns in this clip)
                head.append(page.locator("#head").inner_text())
                time.sleep(0.3)
            assert len(set(head)) > 1, head
            assert "jawOpen" in page.locator("#blendshapes").inner_text()
            assert "vmc" in page.locator("#outputs").inner_text().lower()
            assert float(page.locator("#fps").inner_text()) > 10
            deadline = time.monotonic() + 10
            while page.evaluate("document.getElementById('frame').naturalWidth") == 0:
                assert time.monotonic() < deadline, "no camera preview"
                time.sleep(0.1)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard-live.png"), full_page=True)
            # The pause button pauses the real pipeline: VMC packets stop.
            page.locator("#pause").click()
            time.sleep(0.5)
            t0 = time.monotonic()
            time.sleep(1.0)
            assert _count_since(rx, t0) == 0
            page.locator("#pause").click()
            t1 = time.monotonic()
            time.sleep(1.0)
            assert _count_since(rx, t1) > 20
            browser.close()
    finally:
        assert daemon.stop() == 0
        rx.close()


def test_a_second_instance_says_where_the_first_one_is():
    first = Daemon("--no-tray", "--source", VENDORED_CLIP, "--vmc", "127.0.0.1:9", "--status-interval", "0")
    try:
        url = first.expect(r"dashboard: (http://\S+)").group(1)
        second = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--demo", "--duration", "1"],
                                capture_output=True, text=True, timeout=60, cwd=REPO)
        assert second.returncode == 1
        assert "already running" in second.stderr and url in second.stderr and "Traceback" not in second.stderr
    finally:
        assert first.stop() == 0


def _short_clip(path, frames=25):
    cap = cv2.VideoCapture(str(VENDORED_CLIP))
    writer = None
    for _ in range(frames):
        ok, image = cap.read()
        if writer is None:
            h, w = image.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (w, h))
        writer.write(image)
    writer.release()
    cap.release()


def test_a_lost_source_is_reported_and_tracking_resumes_when_it_returns(tmp_path):
    clip, stash = tmp_path / "clip.mp4", tmp_path / "stash.mp4"
    _short_clip(clip)
    rx = Receiver()
    daemon = Daemon("--no-tray", "--no-dashboard", "--source", clip, "--vmc", f"127.0.0.1:{rx.port}",
                    "--status-interval", "0")
    try:
        daemon.expect("vtbridge running")
        deadline = time.monotonic() + 30
        while not rx.packets:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        shutil.move(clip, stash)  # the "camera" goes away: the 1 s clip ends and cannot be reopened
        daemon.expect(r"file not found.*retrying", timeout=10)
        time.sleep(0.5)
        t_gone = time.monotonic()
        time.sleep(1.0)
        assert _count_since(rx, t_gone) == 0
        shutil.move(stash, clip)  # it comes back
        t_back = time.monotonic()
        deadline = t_back + 10
        while _count_since(rx, t_back) < 10:
            assert time.monotonic() < deadline, "tracking did not resume"
            time.sleep(0.05)
    finally:
        assert daemon.stop() == 0
        rx.close()


def test_tray_of_the_real_daemon_toggles_an_output_and_quits(desktop, isolated_home):  # noqa: F811
    env = desktop
    rx = Receiver()
    daemon = Daemon("--source", VENDORED_CLIP, "--vmc", f"127.0.0.1:{rx.port}", "--no-dashboard",
                    "--status-interval", "0", env=env)
    try:
        daemon.expect("vtbridge running")
        deadline = time.monotonic() + 20
        while not (win := icon_window(env)):
            assert time.monotonic() < deadline, "no tray icon"
            time.sleep(0.1)
        while not rx.packets:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # Right click -> Outputs -> VMC: switches VMC off; the packets stop and the choice is saved.
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Down", "Down", "Right")
        time.sleep(0.3)
        x(env, "xdotool", "key", "Return")
        time.sleep(0.5)
        t_off = time.monotonic()
        time.sleep(1.0)
        assert _count_since(rx, t_off) == 0
        saved = json.loads((isolated_home / "config" / "config.json").read_text())
        assert saved["outputs"]["vmc"]["enabled"] is False
        # Right click -> Quit (the last item): the daemon exits cleanly.
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Up", "Return")
        assert daemon.proc.wait(15) == 0
        daemon.expect("stopped after")
    finally:
        daemon.stop()
        rx.close()


def test_a_busy_dashboard_port_is_named_with_its_config_key_and_tracking_goes_on():
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    rx = Receiver()
    daemon = Daemon("--no-tray", "--source", VENDORED_CLIP, "--vmc", f"127.0.0.1:{rx.port}", "--dashboard-port",
                    port, "--status-interval", "0")
    try:
        m = daemon.expect(r"dashboard not started: (.*)")
        assert str(port) in m.group(1) and "dashboard.port" in m.group(1)
        deadline = time.monotonic() + 30
        while len(rx.packets) < 10:
            assert time.monotonic() < deadline, "tracking did not go on without the dashboard"
            time.sleep(0.05)
    finally:
        assert daemon.stop() == 0
        rx.close()
        busy.close()


def test_a_broken_config_falls_back_to_the_last_good_one(isolated_home):
    config_dir = isolated_home / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    rx = Receiver()
    # the last good version (what `config set` keeps as .bak) sends VMC to our receiver
    (config_dir / "config.json.bak").write_text(json.dumps({"outputs": {"vmc": {"targets": [f"127.0.0.1:{rx.port}"]}},
                                                            "dashboard": {"enabled": False}, "tray": False}))
    (config_dir / "config.json").write_text('{"outputs": {"vmc": {"targetz": []}}}')  # a typo
    daemon = Daemon("--source", VENDORED_CLIP, "--status-interval", "0")
    try:
        m = daemon.expect(r"config error: (.*)")
        assert "targetz" in m.group(1) and "did you mean" in m.group(1) and "backup" in m.group(1)
        deadline = time.monotonic() + 30
        while len(rx.packets) < 10:
            assert time.monotonic() < deadline, "the last good config was not used"
            time.sleep(0.05)
        assert (config_dir / "config.json").read_text() == '{"outputs": {"vmc": {"targetz": []}}}'  # never clobbered
    finally:
        assert daemon.stop() == 0
        rx.close()
