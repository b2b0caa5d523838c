"""Rebuild the shipped default vowel templates (``data/vowel_templates.json``) from synthetic speech.

    python -m vtbridge.audio.make_templates            # needs Debian's espeak-ng

Each training voice says each vowel for ~2 s through espeak-ng's phoneme input (``[[a:a:a:]]``: phonemes, so no
voice reads the letters as words); the loud frames of each recording give one prototype per voice and vowel. The
voices in ``HELD_OUT_VOICES`` are never used here: the tests measure accuracy on them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from vtbridge.audio import VOWELS
from vtbridge.audio.features import MfccExtractor, frames_of, rms_db
from vtbridge.audio.vowels import DEFAULT_TEMPLATES_PATH, VowelTemplates

TRAIN_VOICES = ("it", "es", "ja", "de", "pt", "it+f3", "es+f2", "ja+f4", "de+m3", "pt+f1")
HELD_OUT_VOICES = ("en-us+f2", "it+m2", "es+m1", "pt+f4", "ja+m3")


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(phonemes: str, path: Path, voice: str, *, speed: int = 80, pitch: int | None = None) -> Path:
    """Speak espeak-ng phoneme mnemonics (``"a:a:a:"``) or plain text (when not bracketed) into a WAV file.
    Note: ``-q`` would suppress the WAV file too, so it is not used."""
    cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path)]
    if pitch is not None:
        cmd += ["-p", str(pitch)]
    subprocess.run(cmd + [phonemes], check=True, capture_output=True, timeout=60)
    return path


def sustained_vowel(vowel: str, path: Path, voice: str, *, repeats: int = 5, **kw) -> Path:
    return synthesize(f"[[{(vowel + ':') * repeats}]]", path, voice, **kw)


def loud_mfccs(samples: np.ndarray, sample_rate: int, within_db: float = 15.0) -> np.ndarray:
    """MFCCs of the frames within ``within_db`` of the loudest one (the vowel, not its on- and offset)."""
    ex = MfccExtractor(sample_rate)
    frames = frames_of(samples, ex.spec)
    db = np.array([rms_db(f) for f in frames])
    return np.array([ex.mfcc(f) for f, d in zip(frames, db) if d > db.max() - within_db])


def read_wav_mono(path: Path) -> tuple[np.ndarray, int]:
    from vtbridge.audio.sources import read_wav

    return read_wav(path)


def build(voices=TRAIN_VOICES) -> VowelTemplates:
    protos, labels, all_frames = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for voice in voices:
            for k, vowel in enumerate(VOWELS):
                wav = sustained_vowel(vowel, Path(tmp) / f"{voice}_{vowel}.wav", voice)
                samples, rate = read_wav_mono(wav)
                m = loud_mfccs(samples, rate)
                protos.append(m.mean(axis=0))
                labels.append(k)
                all_frames.append(m)
    scale = np.concatenate(all_frames).std(axis=0)
    return VowelTemplates(np.array(protos), np.array(labels, dtype=np.intp), scale,
                          origin=f"espeak-ng voices {', '.join(voices)}")


def main() -> int:
    import json

    if not espeak_available():
        print("espeak-ng not found: apt-get install espeak-ng", file=sys.stderr)
        return 1
    templates = build()
    DEFAULT_TEMPLATES_PATH.parent.mkdir(parents=True, exist_ok=True)
    data = templates.to_json()
    lines = [json.dumps(p) for p in data.pop("prototypes")]  # one prototype per line: readable diffs
    head = json.dumps(data)[:-1]
    text = head + ',\n "prototypes": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    json.loads(text)
    DEFAULT_TEMPLATES_PATH.write_text(text, encoding="utf-8")
    print(f"{len(templates.prototypes)} prototypes -> {DEFAULT_TEMPLATES_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
