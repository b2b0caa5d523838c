"""End to end: `vtbridge run` on a real clip sends real VMC / iFacialMocap packets that an independent OSC decoder
(python-osc) reads; hot reload of a profile in the running daemon; clean stop on SIGINT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from tests.conftest import VENDORED_CLIP, media


class Receiver:
    """A UDP socket that records every datagram with its arrival time."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65536)
            except (socket.timeout, OSError):
                continue
            self.packets.append((time.monotonic(), data))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()


def osc_messages(data: bytes):
    if OscBundle.dgram_is_bundle(data):
        for item in OscBundle(data):
            yield from osc_messages(item.dgram) if isinstance(item, OscBundle) else [item]
    else:
        yield OscMessage(data)


def start_run(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env or dict(os.environ))


def test_run_sends_vmc_and_ifacialmocap_at_camera_rate_with_blinks_and_jaw():
    clip = media("drive_d12.mp4")  # a man talking who blinks: 183 frames at 25 fps
    vmc, ifm = Receiver(), Receiver()
    try:
        proc = start_run("--source", clip, "--vmc", f"127.0.0.1:{vmc.port}", "--ifm",
                         f"127.0.0.1:{ifm.port}", "--duration", "8", "--status-interval", "1")
        out, _ = proc.communicate(timeout=120)
    finally:
        vmc.close()
        ifm.close()
    assert proc.returncode == 0, out
    assert "[vtbridge]" in out and "fps" in out
    frames = []  # one dict of Blend values per /VMC/Ext/Blend/Apply
    current: dict[str, float] = {}
    applies: list[float] = []
    tags = {}
    for t, data in vmc.packets:
        assert len(data) <= 1200
        for msg in osc_messages(data):
            tags.setdefault(msg.address, "".join(type(a).__name__[0] for a in msg.params))
            if msg.address == "/VMC/Ext/Blend/Val":
                current[msg.params[0]] = msg.params[1]
            elif msg.address == "/VMC/Ext/Blend/Apply":
                frames.append(current)
                current = {}
                applies.append(t)
    assert tags["/VMC/Ext/Bone/Pos"] == "sffffffff"[:8] and tags["/VMC/Ext/Blend/Val"] == "sf"
    # camera rate: the clip plays at 25 fps in real time
    span = applies[-1] - applies[0]
    rate = (len(applies) - 1) / span
    assert 20 <= rate <= 27, rate
    assert span > 4
    # the avatar really moves: the mouth opens and closes, the eyes blink
    a = [f["A"] for f in frames]
    blink = [f["Blink"] + max(f["Blink_L"], f["Blink_R"]) for f in frames]  # Blink_L/R carry the one-eye part
    assert max(a) - min(a) > 0.3
    assert max(blink) > 0.5 and min(blink) < 0.3
    assert len(frames[0]) >= 60  # presets + 52 perfect-sync clips
    text = [d.decode() for _, d in ifm.packets]
    assert len(text) > 50 and all("=head#" in p and "|" in p for p in text)


def test_hot_reload_applies_a_saved_edit_and_survives_a_broken_one(tmp_path):
    profile = tmp_path / "probe.json"
    profile.write_text(json.dumps({"name": "probe", "outputs": {"Probe": "1", "Jaw": "jawOpen"}}))
    vmc = Receiver()
    proc = start_run("--source", VENDORED_CLIP, "--vmc", f"127.0.0.1:{vmc.port}", "--profile", profile,
                     "--duration", "40", "--status-interval", "0")

    def probe_values_since(t0):
        values = []
        for t, data in list(vmc.packets):
            if t >= t0:
                values += [m.params[1] for m in osc_messages(data)
                           if m.address == "/VMC/Ext/Blend/Val" and m.params[0] == "Probe"]
        return values

    def wait_for(value, t0, limit=10.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            vals = probe_values_since(t0)
            if vals and vals[-1] == value:
                return time.monotonic()
            time.sleep(0.05)
        raise AssertionError(f"Probe never became {value}; saw {probe_values_since(t0)[-5:]}")

    try:
        wait_for(1.0, 0.0, limit=60)
        t_edit = time.monotonic()
        profile.write_text(json.dumps({"name": "probe", "outputs": {"Probe": "2", "Jaw": "jawOpen"}}))
        assert wait_for(2.0, t_edit) - t_edit < 1.5  # noticed within 1 s (+ one frame and a scheduling margin)
        profile.write_text('{"name": "probe", "outputs": {"Probe": "2 +", ')  # a broken save
        time.sleep(1.5)
        assert set(probe_values_since(time.monotonic() - 1.0)) == {2.0}  # last good profile stays active
        t_fix = time.monotonic()
        profile.write_text(json.dumps({"name": "probe", "outputs": {"Probe": "3", "Jaw": "jawOpen"}}))
        wait_for(3.0, t_fix)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        vmc.close()
    assert "profile error (keeping the last good version)" in out and "probe.json" in out
    assert proc.returncode == 0


def test_sigint_and_sigterm_stop_within_a_second():
    for sig in (signal.SIGINT, signal.SIGTERM):
        vmc = Receiver()
        proc = start_run("--source", VENDORED_CLIP, "--vmc", f"127.0.0.1:{vmc.port}", "--status-interval", "0")
        try:
            deadline = time.monotonic() + 60
            while not vmc.packets and time.monotonic() < deadline:
                time.sleep(0.05)
            assert vmc.packets, "no packets before the signal"
            t0 = time.monotonic()
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=10)
            assert time.monotonic() - t0 < 1.0 + 0.5  # 1 s budget, plus interpreter exit
            assert proc.returncode == 0 and "stopped after" in out
        finally:
            vmc.close()
            if proc.poll() is None:
                proc.kill()
