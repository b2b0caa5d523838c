"""Chunks of audio in, one ``VoiceFrame`` per 16 ms hop out: gain, loudness, noise gate, vowel weights, the
camera/voice mix, and smoothing. Pure and single-threaded (the capture thread drives it); no I/O.

Per frame (32 ms window):
    volume_db = RMS in dBFS after the gain
    gate      = open at ``gate_db`` (or 6 dB above a calibrated noise floor, whichever is higher), closes 3 dB lower
    presence  = 0 while the gate is closed; while open it ramps from 0 at the closing level (gate - 3 dB) to 1 at
                6 dB above the gate
    a..o      = presence x the classifier's vowel weights;  silence = 1 - presence  (so the six sum to 1)
    volume    = loudness above the gate over ``range_db``, in [0, 1]
    mix       = mix_strength x volume  (VTube Studio's rule: the louder the voice, the more the mouth follows it;
                in silence the camera has the mouth)
Then every value is smoothed exponentially: ``smoothing`` is the share of the previous value kept each hop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from vtbridge.audio.features import FLOOR_DB, N_MFCC, MfccExtractor, rms_db
from vtbridge.audio.sources import AudioChunk
from vtbridge.audio.vowels import VowelTemplates, default_templates
from vtbridge.frames import VoiceFrame

GATE_HYSTERESIS_DB = 3.0
PRESENCE_RAMP_DB = 6.0
NOISE_MARGIN_DB = 6.0


@dataclass(frozen=True)
class VoiceOptions:
    gain_db: float = 0.0  # added to the input level (quiet microphones: +10 to +20)
    gate_db: float = -50.0  # dBFS below which the voice counts as silence
    smoothing: float = 0.5  # 0: raw per-hop values; 0.9: very smooth and slower
    mix_strength: float = 1.0  # 0: the camera always drives the mouth; 1: a loud voice fully does
    range_db: float = 24.0  # loudness above the gate that gives volume 1


class VoiceAnalyzer:
    """``feed(chunk) -> [VoiceFrame, ...]``. ``tap(t, volume_db, mfcc)`` sees the raw per-frame features (used by
    voice calibration)."""

    def __init__(self, sample_rate: int, options: VoiceOptions = VoiceOptions(),
                 templates: VowelTemplates | None = None, noise_db: float | None = None,
                 tap: Callable[[float, float, np.ndarray], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self.extractor = MfccExtractor(sample_rate)
        self.spec = self.extractor.spec
        self.options = options
        self.templates = templates or default_templates()
        self.noise_db = noise_db
        self.tap = tap
        self._clock = clock
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_t: float | None = None  # time of _buf[0]
        self._open = False
        self._state: np.ndarray | None = None  # smoothed a i u e o silence volume mix

    @property
    def gate_db(self) -> float:
        if self.noise_db is None:
            return self.options.gate_db
        return max(self.options.gate_db, self.noise_db + NOISE_MARGIN_DB)

    def reset(self) -> None:
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_t, self._open, self._state = None, False, None

    def feed(self, chunk: AudioChunk) -> list[VoiceFrame]:
        rate, win, hop = self.spec.sample_rate, self.spec.window, self.spec.hop
        if self._buf_t is None or self._buf.size == 0:
            self._buf_t = chunk.t
        self._buf = np.concatenate((self._buf, np.asarray(chunk.samples, dtype=np.float32)))
        out = []
        gain = 10.0 ** (self.options.gain_db / 20.0)
        while self._buf.size >= win:
            frame = self._buf[:win] * gain
            out.append(self._analyse(frame, self._buf_t + win / rate))
            self._buf = self._buf[hop:]
            self._buf_t += hop / rate
        return out

    def _analyse(self, frame: np.ndarray, t: float) -> VoiceFrame:
        opts = self.options
        db = rms_db(frame)
        mfcc = self.extractor.mfcc(frame) if db > FLOOR_DB else np.zeros(N_MFCC)
        if self.tap is not None:
            self.tap(t, db, mfcc)
        gate = self.gate_db
        self._open = db >= gate or (self._open and db >= gate - GATE_HYSTERESIS_DB)
        if self._open:
            presence = min(1.0, max(0.0, (db - gate + GATE_HYSTERESIS_DB) / (PRESENCE_RAMP_DB + GATE_HYSTERESIS_DB)))
            weights = self.templates.weights(mfcc) * presence
            volume = min(1.0, max(0.0, (db - gate) / opts.range_db))
        else:
            presence, weights, volume = 0.0, np.zeros(5), 0.0
        target = np.concatenate((weights, [1.0 - presence, volume, opts.mix_strength * volume]))
        keep = min(max(opts.smoothing, 0.0), 0.99)
        self._state = target if self._state is None else self._state * keep + target * (1.0 - keep)
        a, i, u, e, o, silence, vol, mix = (float(x) for x in self._state)
        return VoiceFrame(t=t, volume_db=db, volume=vol, a=a, i=i, u=u, e=e, o=o, silence=silence, mix=mix,
                          at=self._clock())


def analyse(samples: np.ndarray, sample_rate: int, options: VoiceOptions = VoiceOptions(),
            templates: VowelTemplates | None = None, noise_db: float | None = None) -> list[VoiceFrame]:
    """A whole signal at once (files, tests): the same frames a live source would give."""
    return VoiceAnalyzer(sample_rate, options, templates, noise_db).feed(AudioChunk(samples, 0.0))
