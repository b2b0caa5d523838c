"""Voice latency for ``vtbridge bench``: audio frame -> its values in the next sent packet.

A live ``VoiceInput`` (the daemon's own capture thread) plays a WAV in real time beside the benchmark's tracking
loop; each packet sent with a voice frame it had not sent before records ``send time - frame.at`` (``at``: when the
analysis of that 16 ms hop finished). Without a WAV given, a synthetic voiced signal (a 140 Hz buzz shaped into
syllables) is written to a temporary file. Analysis cost per hop is timed separately on the same signal.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from vtbridge.audio.analysis import VoiceAnalyzer
from vtbridge.audio.sources import AudioChunk, read_wav
from vtbridge.audio.voice_input import VoiceInput
from vtbridge.frames import FaceFrame


def synthetic_voice(path: Path, seconds: float = 4.0, rate: int = 16000) -> Path:
    from scipy.io import wavfile
    from scipy.signal import lfilter

    t = np.arange(int(seconds * rate)) / rate
    buzz = np.sign(np.sin(2 * np.pi * 140 * t)) * 0.3
    for f, bw in ((750, 90), (1200, 110)):  # two formants: an "a"-like vowel
        r = np.exp(-np.pi * bw / rate)
        buzz = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / rate), r * r], buzz)
    envelope = (np.sin(2 * np.pi * 1.6 * t) > 0).astype(float)  # ~3 syllables a second
    x = buzz * envelope / (np.abs(buzz).max() + 1e-9) * 0.5
    wavfile.write(path, rate, (x * 32767).astype(np.int16))
    return path


class VoiceProbe:
    def __init__(self, wav: str | None = None) -> None:
        self._tmp = None
        if wav is None:
            self._tmp = tempfile.TemporaryDirectory()
            wav = str(synthetic_voice(Path(self._tmp.name) / "voice.wav"))
        self.wav = wav
        self.input = VoiceInput(wav, loop=True, printer=lambda _line: None, use_calibration=False).start()
        self._pending: float | None = None  # `at` of a voice frame joined but not yet sent
        self._last_t: float | None = None
        self.latency_ms: list[float] = []

    def join(self, face: FaceFrame) -> FaceFrame:
        voice = self.input.latest()
        if voice is None:
            return face
        if voice.t != self._last_t:
            self._last_t, self._pending = voice.t, voice.at
        return face.with_(voice=voice)

    def sent(self) -> None:
        if self._pending is not None:
            self.latency_ms.append((time.monotonic() - self._pending) * 1000.0)
            self._pending = None

    def analysis_ms(self) -> list[float]:
        samples, rate = read_wav(self.wav)
        analyzer = VoiceAnalyzer(rate)
        hop = analyzer.spec.hop
        out = []
        for k in range(0, min(samples.size, rate * 2) - hop, hop):
            t0 = time.perf_counter()
            analyzer.feed(AudioChunk(samples[k:k + hop], k / rate))
            out.append((time.perf_counter() - t0) * 1000.0)
        return out[2:]  # the first hops only fill the window

    def report(self, named: bool = True) -> dict:
        def stats(ms):
            a = np.asarray(ms)
            return {"p50_ms": round(float(np.percentile(a, 50)), 4), "p99_ms": round(float(np.percentile(a, 99)), 4),
                    "mean_ms": round(float(a.mean()), 4)}

        return {"source": self.wav if named else "synthetic", "analysis_per_hop": stats(self.analysis_ms()),
                "to_packet": stats(self.latency_ms) if self.latency_ms else None, "samples": len(self.latency_ms)}

    def close(self) -> None:
        self.input.close()
        if self._tmp is not None:
            self._tmp.cleanup()
