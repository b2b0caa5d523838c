"""The pure signal maths: framing, loudness, mel filters, MFCCs."""

from __future__ import annotations

import numpy as np
import pytest

from vtbridge.audio.features import FLOOR_DB, FrameSpec, MfccExtractor, frames_of, mel_filterbank, rms_db


def tone(freq: float, rate: int = 16000, seconds: float = 0.5, amp: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_frames_are_32_ms_every_16_ms_at_any_rate():
    assert FrameSpec.for_rate(16000) == FrameSpec(16000, 512, 256)
    assert FrameSpec.for_rate(48000) == FrameSpec(48000, 1536, 768)
    spec = FrameSpec.for_rate(16000)
    frames = frames_of(np.arange(16000, dtype=np.float32), spec)
    assert len(frames) == 1 + (16000 - 512) // 256
    assert frames[1][0] == 256 and all(f.size == 512 for f in frames)
    assert frames_of(np.zeros(100, np.float32), spec) == []
    with pytest.raises(ValueError, match="too low"):
        FrameSpec.for_rate(4000)


def test_rms_db_is_decibels_relative_to_full_scale():
    assert rms_db(tone(440)) == pytest.approx(-3.01, abs=0.05)  # a full-scale sine
    assert rms_db(tone(440, amp=0.1)) == pytest.approx(-23.01, abs=0.05)
    assert rms_db(np.zeros(512, np.float32)) == FLOOR_DB
    assert rms_db(np.zeros(0, np.float32)) == FLOOR_DB


def test_mel_filters_cover_the_voice_band_with_unit_area():
    bank = mel_filterbank(16000, 512)
    assert bank.shape == (26, 257)
    assert np.allclose(bank.sum(axis=1), 1.0)
    freqs = np.linspace(0, 8000, 257)
    centres = freqs[bank.argmax(axis=1)]
    assert np.all(np.diff(centres) > 0) and centres[0] < 200 and centres[-1] > 6000


def test_mfccs_ignore_loudness_but_see_the_spectrum_shape():
    ex = MfccExtractor(16000)
    low = tone(300) + 0.5 * tone(600)
    high = tone(2500) + 0.5 * tone(3200)
    m_low, m_quiet, m_high = (ex.mfcc(x[:512]) for x in (low, low * 0.05, high))
    assert m_low.shape == (12,)
    assert np.abs(m_low - m_quiet).max() < 0.05 * np.abs(m_low).max()  # c0 (level) is left out
    assert np.linalg.norm(m_low - m_high) > 5 * np.linalg.norm(m_low - m_quiet)


def test_rates_give_comparable_coefficients():
    sig16, sig48 = tone(700, 16000) + tone(1200, 16000), tone(700, 48000) + tone(1200, 48000)
    a = MfccExtractor(16000).mfcc_frames(sig16).mean(axis=0)
    b = MfccExtractor(48000).mfcc_frames(sig48).mean(axis=0)
    other = MfccExtractor(16000).mfcc_frames(tone(250, 16000) + tone(3000, 16000)).mean(axis=0)
    assert np.linalg.norm(a - b) < 0.5 * np.linalg.norm(a - other)
