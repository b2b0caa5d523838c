"""Vowel templates and the nearest-template classifier: 12 MFCCs -> weights for A I U E O.

A template set holds one or more prototype MFCC vectors per vowel (the shipped default has one per training voice,
so a low and a high voice each find a close prototype) and a per-coefficient scale (the spread of the training
data), so every coefficient counts about equally in the distance. The class distance is the distance to the
closest prototype of that vowel; weights fall off exponentially with how much farther a vowel is than the best one,
so a clear vowel gets nearly all the weight and an in-between sound is shared, which keeps the mouth from
flickering between shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from vtbridge.audio import VOWELS
from vtbridge.audio.features import N_MFCC
from vtbridge.errors import ConfigError

DEFAULT_TEMPLATES_PATH = Path(__file__).resolve().parent / "data" / "vowel_templates.json"
#: Softness of the weights, in scaled-distance units: a vowel this much farther than the best gets 1/e of its weight.
SOFTNESS = 0.6


@dataclass(frozen=True, eq=False)
class VowelTemplates:
    prototypes: np.ndarray = field(repr=False)  # (n, 12) MFCC vectors
    labels: np.ndarray = field(repr=False)  # (n,) vowel index 0..4 into VOWELS
    scale: np.ndarray = field(repr=False)  # (12,) per-coefficient spread
    origin: str = "default"  # "default" or where the calibration came from

    def __post_init__(self) -> None:
        if self.prototypes.ndim != 2 or self.prototypes.shape[1] != N_MFCC or len(self.labels) != len(self.prototypes):
            raise ValueError("templates need (n, 12) prototypes with one label each")
        missing = sorted(set(range(len(VOWELS))) - set(int(x) for x in self.labels))
        if missing:
            raise ValueError(f"templates lack the vowel(s) {', '.join(VOWELS[i].upper() for i in missing)}")

    def distances(self, mfcc: np.ndarray) -> np.ndarray:
        """Per vowel, the scaled Euclidean distance to its closest prototype, shape (5,)."""
        d = np.sqrt((((self.prototypes - mfcc) / self.scale) ** 2).sum(axis=1))
        out = np.full(len(VOWELS), np.inf)
        np.minimum.at(out, self.labels, d)
        return out

    def weights(self, mfcc: np.ndarray) -> np.ndarray:
        """Soft vowel weights summing to 1, shape (5,), in VOWELS order."""
        d = self.distances(mfcc)
        w = np.exp(-(d - d.min()) / SOFTNESS)
        return w / w.sum()

    def classify(self, mfcc: np.ndarray) -> str:
        return VOWELS[int(np.argmin(self.distances(mfcc)))]

    def to_json(self) -> dict:
        return {"version": 1, "origin": self.origin, "scale": [round(float(x), 5) for x in self.scale],
                "prototypes": [{"vowel": VOWELS[int(k)], "mfcc": [round(float(x), 5) for x in p]}
                               for p, k in zip(self.prototypes, self.labels)]}

    @classmethod
    def from_json(cls, data, where: str) -> "VowelTemplates":
        try:
            protos = [np.asarray(p["mfcc"], dtype=np.float64) for p in data["prototypes"]]
            labels = np.array([VOWELS.index(str(p["vowel"]).lower()) for p in data["prototypes"]], dtype=np.intp)
            scale = np.asarray(data["scale"], dtype=np.float64)
            if scale.shape != (N_MFCC,) or not np.all(scale > 0) or not np.all(np.isfinite(scale)):
                raise ValueError("scale must be 12 positive numbers")
            return cls(np.array(protos).reshape(-1, N_MFCC), labels, scale, str(data.get("origin", where)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{where}: invalid vowel templates ({exc}); run `vtbridge calibrate-voice` again or "
                              f"delete the file") from None

    @classmethod
    def from_samples(cls, by_vowel: dict[str, np.ndarray], scale: np.ndarray | None = None,
                     origin: str = "calibration") -> "VowelTemplates":
        """One prototype per vowel from frames of that vowel (their mean); ``scale`` defaults to the pooled
        within-vowel spread of the same frames."""
        protos, labels, spreads = [], [], []
        for k, vowel in enumerate(VOWELS):
            frames = np.asarray(by_vowel[vowel], dtype=np.float64).reshape(-1, N_MFCC)
            protos.append(frames.mean(axis=0))
            labels.append(k)
            spreads.append(frames - frames.mean(axis=0))
        if scale is None:
            scale = np.concatenate(spreads).std(axis=0) + 1e-3
        return cls(np.array(protos), np.array(labels, dtype=np.intp), np.asarray(scale, dtype=np.float64), origin)


def load_templates(path: Path = DEFAULT_TEMPLATES_PATH) -> VowelTemplates:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable vowel templates ({exc}); reinstall vtbridge") from None
    return VowelTemplates.from_json(data, str(path))


@lru_cache(maxsize=1)
def default_templates() -> VowelTemplates:
    """The shipped templates (immutable, read once)."""
    return load_templates()
