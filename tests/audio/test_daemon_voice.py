"""End to end: the voice drives a real daemon over a still face (a portrait with a closed mouth).

1. ``vtbridge run --mic syllables.wav``: real VMC packets (UDP, decoded with python-osc) carry ``A`` opening and
   closing once per spoken syllable, although the face never moves.
2. A fake microphone (``sounddevice``'s API, fed from the same speech) in the real daemon with the VTube Studio
   output: the VTS emulator receives VoiceA…VoiceO, VoiceSilence, VoiceVolume and a MouthOpen that move with the audio.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np

from vtbridge.audio.sources import read_wav
from tests.audio.fake_sounddevice import FakeSoundDevice
from tests.audio.speech import syllable_track
from tests.conftest import media
from tests.e2e.test_run_udp import Receiver, osc_messages
from tests.vts.emulator import VtsEmulator


def rises(t: np.ndarray, x: np.ndarray, level: float) -> np.ndarray:
    up = x > level
    return t[1:][up[1:] & ~up[:-1]]


def test_run_with_a_wav_microphone_opens_vmc_vowels_with_each_syllable(speech, tmp_path):
    wav, spans = syllable_track(speech, tmp_path)
    period = spans[1][0] - spans[0][0]
    portrait = media("portrait_s0.jpg")
    rx = Receiver()
    try:
        proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--no-dashboard",
                               "--source", str(portrait), "--mic", str(wav), "--vmc", f"127.0.0.1:{rx.port}",
                               "--duration", "8", "--status-interval", "2"],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ))
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"microphone {wav}" in proc.stdout
    series: dict[str, list[tuple[float, float]]] = {}
    for at, data in rx.packets:
        for msg in osc_messages(data):
            if msg.address == "/VMC/Ext/Blend/Val" and msg.params[0] in ("A", "O", "JawOpen"):
                series.setdefault(msg.params[0], []).append((at, float(msg.params[1])))
    t, a = (np.array(x) for x in zip(*series["A"]))
    jaw = np.array([v for _, v in series["JawOpen"]])
    assert jaw.max() < 0.1  # the face is still and its mouth closed: only the voice opens the avatar's mouth
    assert a.max() > 0.6 and a.min() < 0.05
    r = rises(t, a, 0.3)
    assert len(r) >= 5, r  # ~6 s of packets, a syllable every ~0.6 s (the WAV loops)
    gaps = np.diff(r)
    gaps = gaps[gaps < 1.5 * period]  # skip the pause where the WAV loops
    assert abs(np.median(gaps) - period) < 0.1, (gaps, period)  # the mouth keeps the syllables' rhythm
    o = np.array([v for _, v in series["O"]])
    assert o.size == a.size and o[a > 0.3].mean() < 0.3 * a[a > 0.3].mean()  # "ma pa": A, not O


def test_fake_microphone_in_the_daemon_moves_vts_voice_parameters(speech, tmp_path, monkeypatch, isolated_home):
    from vtbridge.daemon import config as cfg
    from vtbridge.daemon.app import AppOptions, run_app

    wav, _ = syllable_track(speech, tmp_path)
    samples, rate = read_wav(wav)
    sd = FakeSoundDevice(samples, rate, busy_opens=1)  # busy at first: retried, not fatal
    monkeypatch.setattr("vtbridge.audio.sources.load_sounddevice", lambda: sd)
    portrait = media("portrait_s0.jpg")
    with VtsEmulator() as emu:
        config = cfg.apply_overrides(cfg.DEFAULT, {
            "source": str(portrait), "tray": False, "dashboard.enabled": False, "outputs.vmc.enabled": False,
            "outputs.vts.enabled": True, "outputs.vts.url": emu.url, "audio.enabled": True,
            "audio.source": "Fake USB"})
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("rc", run_app(config, AppOptions(
            duration=8, status_interval=2))))
        worker.start()
        worker.join(120)
        injections = emu.injections_snapshot()
    assert result.get("rc") == 0
    assert sd.opens >= 2  # the busy first open was retried
    rows = [i.values for i in injections if "VoiceA" in i.values]
    assert len(rows) > 60
    col = {k: np.array([r[k] for r in rows]) for k in ("VoiceA", "VoiceI", "VoiceU", "VoiceE", "VoiceO",
                                                        "VoiceSilence", "VoiceVolume", "MouthOpen")}
    assert col["VoiceSilence"].max() > 0.95 and col["VoiceSilence"].min() < 0.1  # gaps and syllables
    assert col["VoiceA"].max() > 0.5 and col["VoiceVolume"].max() > 0.4
    assert col["MouthOpen"].min() < 0.05 and col["MouthOpen"].max() > 0.5  # the still face's mouth is opened by voice
    speaking = col["VoiceSilence"] < 0.2
    assert np.corrcoef(col["MouthOpen"], 1 - col["VoiceSilence"])[0, 1] > 0.8
    assert col["VoiceA"][speaking].mean() > 0.5  # "ma pa" is heard as A
    for name, values in col.items():
        assert np.all((values >= 0) & (values <= 1)), name


def test_a_missing_microphone_is_one_status_line_and_tracking_goes_on():
    rx = Receiver()
    try:
        proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--no-dashboard", "--demo",
                               "--mic", "Blue Yeti", "--vmc", f"127.0.0.1:{rx.port}", "--duration", "5",
                               "--status-interval", "1"],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ))
    finally:
        rx.close()
    assert proc.returncode == 0 and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    said = [line for line in proc.stdout.splitlines() if "microphone 'Blue Yeti'" in line]
    assert len(said) == 1 and "retrying" in said[0], proc.stdout  # no microphone at all here, or no such name
    assert "| mic error" in proc.stdout  # the periodic status line shows it too
    assert len(rx.packets) > 30  # the camera (here the demo clip) kept driving the avatar
