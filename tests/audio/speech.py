"""Speech made at test time with Debian's espeak-ng (phoneme input, so no voice reads letters as words), cached per
session; skipped with the reason when espeak-ng is absent (a failure under VTBRIDGE_REQUIRE_MEDIA=1)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from vtbridge.audio.make_templates import sustained_vowel, synthesize
from vtbridge.audio.sources import read_wav


def need_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        reason = "espeak-ng not installed (apt-get install espeak-ng): it speaks the test audio"
        if os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1":
            pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
        pytest.skip(reason)


class Speech:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def vowel(self, vowel: str, voice: str, **kw) -> tuple[np.ndarray, int]:
        key = "_".join([voice, vowel] + [f"{k}{v}" for k, v in sorted(kw.items())]).replace("+", "-")
        path = self.folder / f"{key}.wav"
        if not path.exists():
            sustained_vowel(vowel, path, voice, **kw)
        return read_wav(path)

    def phonemes(self, text: str, voice: str, name: str, **kw) -> Path:
        path = self.folder / f"{name}.wav"
        if not path.exists():
            synthesize(f"[[{text}]]", path, voice, **kw)
        return path


def syllable_track(speech: Speech, folder: Path, *, voice: str = "it", syllables=("ma", "pa", "ma", "pa", "ma"),
                   gap_s: float = 0.35, lead_s: float = 0.4) -> tuple[Path, list[tuple[float, float]]]:
    """A WAV of separate syllables with known silent gaps, and each syllable's (start, end) in seconds (where its
    sound is within 30 dB of its peak): the ground truth for "the mouth opens and closes in time"."""
    from scipy.io import wavfile

    from vtbridge.audio.features import FrameSpec, frames_of, rms_db

    parts, spans, rate = [], [], None
    t = lead_s
    for k, syl in enumerate(syllables):
        x, rate = read_wav(speech.phonemes(f"{syl}:", voice, f"syl_{voice}_{syl}".replace("+", "-")))
        spec = FrameSpec.for_rate(rate)
        db = np.array([rms_db(f) for f in frames_of(x, spec)])
        loud = np.flatnonzero(db > db.max() - 30)
        x = x[loud[0] * spec.hop:loud[-1] * spec.hop + spec.window]  # trim espeak's own leading/trailing silence
        if k == 0:
            parts.append(np.zeros(int(lead_s * rate), np.float32))
        parts.append(x)
        spans.append((t, t + x.size / rate))
        t += x.size / rate + gap_s
        parts.append(np.zeros(int(gap_s * rate), np.float32))
    path = folder / f"syllables_{voice}.wav".replace("+", "-")
    wavfile.write(path, rate, (np.concatenate(parts) * 32767).astype(np.int16))
    return path, spans


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> Speech:
    need_espeak()
    return Speech(tmp_path_factory.mktemp("speech"))
