"""Short-time audio features: 32 ms frames every 16 ms, their loudness (RMS in dBFS) and 12 MFCCs.

Why MFCCs: the vowel a mouth is making shows as the shape of the spectral envelope (formants), and the low
cepstral coefficients describe that shape while ignoring both loudness (c0, dropped) and pitch (the fine harmonic
ripple sits in high quefrencies). A nearest-template classifier over 12 of them separates A I U E O well across
voices, where tracking formants with LPC confuses O and U. Everything here is numpy: no speech model to download.

The extractor works at any sample rate >= 8 kHz: the window and hop are set in milliseconds and the mel filters in
Hz (up to ``MEL_HIGH_HZ``), so 16 kHz WAV files and 48 kHz microphones give comparable coefficients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WINDOW_S = 0.032
HOP_S = 0.016
N_MFCC = 12
N_MELS = 26
MEL_LOW_HZ = 80.0
MEL_HIGH_HZ = 7600.0
#: dBFS reported for digital silence (log of 0).
FLOOR_DB = -120.0
_PRE_EMPHASIS = 0.97


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = N_MELS, low: float = MEL_LOW_HZ,
                   high: float = MEL_HIGH_HZ) -> np.ndarray:
    """Triangular filters on the mel scale, shape (n_mels, n_fft // 2 + 1), each with unit area in its bins."""
    high = min(high, sample_rate / 2.0)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(low), _hz_to_mel(high), n_mels + 2))
    freqs = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    bank = np.zeros((n_mels, freqs.size))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        rise = (freqs - lo) / (mid - lo)
        fall = (hi - freqs) / (hi - mid)
        bank[m] = np.clip(np.minimum(rise, fall), 0.0, None)
        area = bank[m].sum()
        if area > 0:
            bank[m] /= area
    return bank


def dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II rows 1..n_out (row 0, the overall level, is left out on purpose)."""
    k = np.arange(1, n_out + 1)[:, None]
    n = np.arange(n_in)[None, :]
    return math.sqrt(2.0 / n_in) * np.cos(math.pi * k * (2 * n + 1) / (2 * n_in))


def rms_db(samples: np.ndarray) -> float:
    """Loudness of a frame in dB relative to full scale (a full-scale sine is about -3 dBFS)."""
    if samples.size == 0:
        return FLOOR_DB
    ms = float(np.mean(np.square(samples, dtype=np.float64)))
    return max(FLOOR_DB, 10.0 * math.log10(ms)) if ms > 0 else FLOOR_DB


@dataclass(frozen=True)
class FrameSpec:
    """Frame geometry for one sample rate."""

    sample_rate: int
    window: int  # samples per analysis frame
    hop: int  # samples between frame starts

    @classmethod
    def for_rate(cls, sample_rate: int) -> "FrameSpec":
        if sample_rate < 8000:
            raise ValueError(f"sample rate {sample_rate} Hz is too low for voice analysis (need at least 8000 Hz)")
        return cls(int(sample_rate), int(round(WINDOW_S * sample_rate)), int(round(HOP_S * sample_rate)))


class MfccExtractor:
    """Frame (float samples in [-1, 1]) -> 12 MFCCs. Precomputes window, filterbank and DCT for one rate."""

    def __init__(self, sample_rate: int) -> None:
        self.spec = FrameSpec.for_rate(sample_rate)
        self.n_fft = 1 << (self.spec.window - 1).bit_length()
        self._window = np.hamming(self.spec.window)
        self._bank = mel_filterbank(self.spec.sample_rate, self.n_fft)
        self._dct = dct_matrix(N_MELS, N_MFCC)

    def mfcc(self, frame: np.ndarray) -> np.ndarray:
        x = np.asarray(frame, dtype=np.float64)
        x = np.append(x[0], x[1:] - _PRE_EMPHASIS * x[:-1]) * self._window
        power = np.abs(np.fft.rfft(x, self.n_fft)) ** 2
        mel = self._bank @ power
        return self._dct @ np.log(mel + 1e-10)

    def mfcc_frames(self, samples: np.ndarray) -> np.ndarray:
        """MFCCs of every full frame of a signal, shape (n_frames, 12) (batch form for calibration and tests)."""
        return np.array([self.mfcc(f) for f in frames_of(samples, self.spec)]).reshape(-1, N_MFCC)


def frames_of(samples: np.ndarray, spec: FrameSpec) -> list[np.ndarray]:
    """Every full window of a mono signal, hop apart."""
    n = 0 if samples.size < spec.window else 1 + (samples.size - spec.window) // spec.hop
    return [samples[i * spec.hop:i * spec.hop + spec.window] for i in range(n)]
