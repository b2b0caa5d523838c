"""Syllables open and close the mouth in time: spoken syllables with known silent gaps, analysed as live audio with
the default settings (smoothing 0.5); the voice's mouth opening must rise within a few hops of each syllable's start
and fall within a few hops of its end."""

from __future__ import annotations

import numpy as np

from vtbridge.audio.analysis import VoiceOptions, analyse
from vtbridge.audio.sources import read_wav
from tests.audio.speech import syllable_track


def test_mouth_opens_and_closes_with_each_syllable(speech, tmp_path):
    path, spans = syllable_track(speech, tmp_path)
    samples, rate = read_wav(path)
    frames = analyse(samples, rate, VoiceOptions())
    t = np.array([f.t for f in frames])  # the time of each frame's newest sample
    opening = np.array([f.open for f in frames])
    is_open = opening > 0.3
    rises = t[1:][is_open[1:] & ~is_open[:-1]]
    falls = t[1:][~is_open[1:] & is_open[:-1]]
    assert len(rises) == len(falls) == len(spans), (rises, falls, spans)  # one open-close per syllable, no flicker
    delays_open = [r - s for r, (s, _) in zip(rises, spans)]
    delays_close = [f - e for f, (_, e) in zip(falls, spans)]
    print("open delays ms", np.round(np.array(delays_open) * 1000), "close delays ms",
          np.round(np.array(delays_close) * 1000))
    assert all(-0.01 <= d <= 0.08 for d in delays_open)  # within 5 hops of the syllable's first sound
    assert all(-0.12 <= d <= 0.1 for d in delays_close)  # the mouth closes as the syllable fades
    for (s, e), (s2, _) in zip(spans, spans[1:] + [(spans[-1][1] + 0.35, 0)]):
        mid_syllable = opening[(t > s + 0.3 * (e - s)) & (t < e - 0.3 * (e - s))]
        mid_gap = opening[(t > e + 0.12) & (t < s2 - 0.05)]
        assert mid_syllable.min() > 0.5 and mid_gap.max() < 0.05
