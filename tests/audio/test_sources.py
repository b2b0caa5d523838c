"""Audio sources: WAV files (formats, pacing, errors) and the microphone path through a fake ``sounddevice``; the
capture thread's latest-wins handoff, retry and status lines."""

from __future__ import annotations

import builtins
import time

import numpy as np
import pytest
from scipy.io import wavfile

from vtbridge.audio.sources import (MicSource, WavSource, find_microphone, list_microphones, load_sounddevice,
                                    open_audio_source, read_wav)
from vtbridge.audio.voice_input import VoiceInput
from vtbridge.errors import SourceError
from tests.audio.fake_sounddevice import FakeSoundDevice


def test_wav_formats_become_mono_float(tmp_path):
    x = np.sin(np.linspace(0, 200, 8000)).astype(np.float32) * 0.5
    cases = {"i16.wav": (x * 32767).astype(np.int16), "f32.wav": x,
             "u8.wav": (x * 127 + 128).astype(np.uint8), "stereo.wav": np.stack([x, x], axis=1)}
    for name, data in cases.items():
        wavfile.write(tmp_path / name, 16000, data)
        samples, rate = read_wav(tmp_path / name)
        assert rate == 16000 and samples.dtype == np.float32 and samples.ndim == 1
        assert np.abs(samples - x).max() < 0.02, name


def test_wav_errors_are_one_clear_line(tmp_path):
    with pytest.raises(SourceError, match="not found; check the path"):
        read_wav(tmp_path / "nope.wav")
    (tmp_path / "bad.wav").write_bytes(b"RIFF1234WAVEjunk")
    with pytest.raises(SourceError, match="not a readable WAV file.*sox"):
        read_wav(tmp_path / "bad.wav")
    wavfile.write(tmp_path / "low.wav", 4000, np.zeros(100, np.int16))
    with pytest.raises(SourceError, match="at least 8000 Hz"):
        read_wav(tmp_path / "low.wav")


def test_wav_source_blocks_fast_realtime_and_loop(tmp_path):
    wavfile.write(tmp_path / "a.wav", 16000, np.arange(8000, dtype=np.int16))
    fast = WavSource(tmp_path / "a.wav", realtime=False)
    chunks = []
    while (c := fast.read()) is not None:
        chunks.append(c)
    assert [c.samples.size for c in chunks[:2]] == [256, 256] and sum(c.samples.size for c in chunks) == 8000
    assert chunks[1].t == pytest.approx(0.016)
    live = WavSource(tmp_path / "a.wav", realtime=True, loop=True)
    t0 = time.monotonic()
    ts = [live.read().t for _ in range(50)]  # 0.8 s of audio, past the end of the 0.5 s file
    assert time.monotonic() - t0 >= 0.75  # paced like live audio (a lower bound: never flaky under load)
    assert np.all(np.diff(ts) > 0)  # time keeps increasing across the loop


def test_microphones_listed_and_picked_by_index_name_or_default():
    sd = FakeSoundDevice(np.zeros(16000), 16000)
    mics = list_microphones(sd)
    assert [(m.index, m.name) for m in mics] == [(1, "Fake USB Microphone"), (2, "Line In (Realtek)")]
    assert find_microphone("default", mics).index == 1 and find_microphone("", mics).index == 1
    assert find_microphone("2", mics).name == "Line In (Realtek)"
    assert find_microphone("realtek", mics).index == 2
    with pytest.raises(SourceError, match="no microphone with index 7.*1: Fake USB Microphone"):
        find_microphone("7", mics)
    with pytest.raises(SourceError, match="no microphone named like 'Blue Yeti'"):
        find_microphone("Blue Yeti", mics)
    with pytest.raises(SourceError, match="no microphone found"):
        find_microphone("default", list_microphones(FakeSoundDevice(np.zeros(10), 16000, inputs=False)))


def test_missing_portaudio_is_a_message_that_says_how_to_fix_it(monkeypatch):
    real_import = builtins.__import__

    def no_portaudio(name, *args, **kw):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kw)

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(SourceError, match="PortAudio library not found.*apt-get install libportaudio2"):
        load_sounddevice()


def test_mic_source_delivers_the_callback_audio_in_order():
    rate = 16000
    ramp = (np.arange(rate) % 1000 / 1000).astype(np.float32)
    sd = FakeSoundDevice(ramp, rate)
    mic = open_audio_source("Fake USB", backend=sd)
    assert isinstance(mic, MicSource) and mic.name == "mic:Fake USB Microphone" and mic.sample_rate == rate
    got = np.concatenate([mic.read(timeout=1.0).samples for _ in range(20)])
    mic.close()
    assert np.allclose(got, ramp[:got.size])
    sd.busy_opens = 99
    with pytest.raises(SourceError, match="cannot be opened.*in use by another app"):
        MicSource("default", backend=sd)


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_voice_input_retries_a_busy_or_unplugged_microphone_and_never_blocks(speech):
    samples, rate = speech.vowel("a", "it")
    sd = FakeSoundDevice(samples, rate, busy_opens=2)
    lines = []
    voice = VoiceInput("Fake USB", backend=sd, printer=lines.append, retry_min=0.05, retry_max=0.1,
                       use_calibration=False).start()
    try:
        assert voice.latest() is None  # nothing yet, and asking never waits
        assert wait_for(lambda: voice.status().state == "listening")
        assert any("Device unavailable" in line and "retrying" in line for line in lines)
        assert wait_for(lambda: (f := voice.latest()) is not None and f.a > 0.5)
        sd.unplug()
        assert wait_for(lambda: any("lost" in line and "stopped delivering audio" in line for line in lines))
        assert wait_for(lambda: voice.status().state == "listening" and voice.latest() is not None)  # replugged
        assert sd.opens == 4  # two busy, the first good one, and the one after the unplug
    finally:
        voice.close()
    assert not voice.running and voice.latest() is None


def test_no_microphone_or_no_portaudio_is_a_status_line_and_a_retry(monkeypatch):
    lines = []
    # the real sounddevice on a machine without any microphone (this one)
    voice = VoiceInput("default", printer=lines.append, retry_min=0.05, retry_max=0.1, use_calibration=False)
    voice.start()
    try:
        assert wait_for(lambda: voice.status().state == "error")
        assert voice.latest() is None
    finally:
        voice.close()
    assert lines and "retrying" in lines[0]
    assert len(lines) == 1  # said once, not at every retry

    def no_portaudio():
        raise SourceError("microphone input is unavailable: PortAudio library not found; install the PortAudio "
                          "library: sudo apt-get install libportaudio2 (Fedora: portaudio)")

    monkeypatch.setattr("vtbridge.audio.sources.load_sounddevice", no_portaudio)
    lines.clear()
    voice = VoiceInput("USB mic", printer=lines.append, retry_min=0.05, retry_max=0.1, use_calibration=False).start()
    try:
        assert wait_for(lambda: voice.status().state == "error")
        assert "libportaudio2" in voice.status().message
    finally:
        voice.close()
    assert len(lines) == 1 and "libportaudio2" in lines[0]
