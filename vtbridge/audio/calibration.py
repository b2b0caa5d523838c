"""Per-user voice calibration: a few seconds of your room's silence and of each vowel A I U E O become your own
vowel templates and noise floor. Stored as ``calibration/voice.json`` beside the face calibrations.

``VoiceCalibrationRecorder`` is a small state machine over audio time: for each step (silence, then each vowel) it
shows a prompt, ignores the first ``READY_S`` (time to read the prompt and start the sound), then records the frames'
loudness and MFCCs. ``finish()`` checks that every vowel was heard and builds the calibration; the prototypes are the
mean MFCCs of the loud frames, the distance scale stays the shipped one (a few seconds of one voice are too little to
estimate it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vtbridge import paths
from vtbridge.audio import VOWELS
from vtbridge.audio.vowels import VowelTemplates, default_templates
from vtbridge.errors import ConfigError
from vtbridge.fsutil import write_json_atomic

STEPS = ("silence",) + VOWELS
READY_S = 0.5
RECORD_S = 1.5
_PROMPTS = {"silence": "stay quiet (room noise)", "a": 'say "aaa" (as in father)', "i": 'say "iii" (as in see)',
            "u": 'say "uuu" (as in food)', "e": 'say "eee" (as in bed)', "o": 'say "ooo" (as in law)'}
MIN_FRAMES = 10


@dataclass(frozen=True)
class VoiceCalibration:
    templates: VowelTemplates
    noise_db: float | None = None

    def to_json(self) -> dict:
        return {"version": 1, "noise_db": None if self.noise_db is None else round(self.noise_db, 2),
                "templates": self.templates.to_json()}

    @classmethod
    def from_json(cls, data, where: str) -> "VoiceCalibration":
        if not isinstance(data, dict) or "templates" not in data:
            raise ConfigError(f"{where}: not a voice calibration; run `vtbridge calibrate-voice` again or delete it")
        noise = data.get("noise_db")
        if noise is not None and not isinstance(noise, (int, float)):
            raise ConfigError(f"{where}: noise_db must be a number; run `vtbridge calibrate-voice` again")
        return cls(VowelTemplates.from_json(data["templates"], where), None if noise is None else float(noise))


def voice_calibration_path() -> Path:
    return paths.user_config_dir() / "calibration" / "voice.json"


def save_voice_calibration(cal: VoiceCalibration) -> Path:
    path = voice_calibration_path()
    write_json_atomic(path, cal.to_json())
    return path


def load_voice_calibration() -> VoiceCalibration | None:
    """The stored calibration, or None when there is none (then the shipped templates are used)."""
    path = voice_calibration_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable voice calibration ({exc}); run `vtbridge calibrate-voice` again or "
                          f"delete the file") from None
    return VoiceCalibration.from_json(data, str(path))


class VoiceCalibrationRecorder:
    """Feed it ``(t, volume_db, mfcc)`` per analysis frame; read ``step``/``prompt``/``done``; then ``finish()``."""

    def __init__(self, ready_s: float = READY_S, record_s: float = RECORD_S) -> None:
        self.ready_s, self.record_s = ready_s, record_s
        self._t0: float | None = None
        self._t = 0.0
        self._data: dict[str, list[tuple[float, np.ndarray]]] = {s: [] for s in STEPS}

    @property
    def step_s(self) -> float:
        return self.ready_s + self.record_s

    @property
    def total_s(self) -> float:
        return self.step_s * len(STEPS)

    def _elapsed(self) -> float:
        return 0.0 if self._t0 is None else self._t - self._t0

    @property
    def step(self) -> str | None:
        k = int(self._elapsed() // self.step_s)
        return STEPS[k] if k < len(STEPS) else None

    @property
    def prompt(self) -> str:
        step = self.step
        return "done" if step is None else _PROMPTS[step]

    @property
    def progress(self) -> float:
        return min(1.0, self._elapsed() / self.total_s)

    @property
    def done(self) -> bool:
        return self.step is None

    def add(self, t: float, volume_db: float, mfcc: np.ndarray) -> None:
        if self._t0 is None:
            self._t0 = t
        self._t = t
        step = self.step
        if step is not None and self._elapsed() % self.step_s >= self.ready_s:
            self._data[step].append((volume_db, np.asarray(mfcc, dtype=np.float64)))

    def finish(self, gate_db: float = -50.0) -> VoiceCalibration:
        silence = [db for db, _ in self._data["silence"]]
        noise_db = float(np.percentile(silence, 90)) if silence else None
        floor = max(gate_db, (noise_db if noise_db is not None else -120.0) + 6.0)
        by_vowel = {}
        for vowel in VOWELS:
            frames = self._data[vowel]
            loudest = max((db for db, _ in frames), default=-120.0)
            keep = [m for db, m in frames if db >= floor and db >= loudest - 15.0]
            if len(keep) < MIN_FRAMES:
                raise ConfigError(f"voice calibration did not hear the vowel {vowel.upper()} (loudest "
                                  f"{loudest:.0f} dBFS, the gate is at {floor:.0f}); speak up or raise audio.gain, "
                                  f"check the microphone, and run it again")
            by_vowel[vowel] = np.array(keep)
        templates = VowelTemplates.from_samples(by_vowel, scale=default_templates().scale, origin="calibration")
        return VoiceCalibration(templates=templates, noise_db=noise_db)
