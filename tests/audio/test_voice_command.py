"""`vtbridge voice FILE.wav --out voice.jsonl` from outside: exactly the specified keys, one object per 16 ms frame,
and bad input as one line with exit status 1."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from scipy.io import wavfile


def run(*args):
    return subprocess.run([sys.executable, "-m", "vtbridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_voice_writes_one_object_per_audio_frame_with_exactly_the_specified_keys(speech, tmp_path):
    samples, rate = speech.vowel("e", "es+m1")
    wav = tmp_path / "e.wav"
    wavfile.write(wav, rate, (samples * 32767).astype(np.int16))
    out = tmp_path / "voice.jsonl"
    r = run("voice", wav, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    window, hop = round(0.032 * rate), round(0.016 * rate)
    assert len(rows) == 1 + (samples.size - window) // hop
    for row in rows:
        assert list(row) == ["t", "volume_db", "a", "i", "u", "e", "o", "silence"]
        assert all(0.0 <= row[k] <= 1.0 for k in ("a", "i", "u", "e", "o", "silence"))
        assert abs(sum(row[k] for k in ("a", "i", "u", "e", "o", "silence")) - 1.0) < 1e-3
    assert np.allclose(np.diff([r["t"] for r in rows]), hop / rate, atol=1e-3)
    loud = [r for r in rows if r["silence"] < 0.1]
    assert len(loud) > 40 and np.mean([max("aiueo", key=r.get) == "e" for r in loud]) > 0.8
    assert f"{len(rows)} audio frames" in r.stderr


def test_voice_bad_input_is_one_line(tmp_path):
    for args, words in ((("voice", tmp_path / "missing.wav", "--out", tmp_path / "o.jsonl"), "not found"),
                        (("voice", tmp_path / "song.mp3", "--out", tmp_path / "o.jsonl"), "is not a .wav file"),
                        (("voice", __file__, "--out", tmp_path / "o.jsonl"), "is not a .wav file")):
        r = run(*args)
        assert r.returncode == 1 and words in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    (tmp_path / "fake.wav").write_text("not audio")
    r = run("voice", tmp_path / "fake.wav", "--out", tmp_path / "o.jsonl")
    assert r.returncode == 1 and "not a readable WAV file" in r.stderr and "Traceback" not in r.stderr
