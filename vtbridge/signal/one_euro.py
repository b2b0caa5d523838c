"""The One Euro filter (Casiez, Roussel, Vogel, CHI 2012), vectorised over a channel array.

An adaptive low-pass: at low speed the cutoff is ``min_cutoff`` (kills jitter); as the signal moves, the cutoff
rises by ``beta`` x speed (kills lag). ``d_cutoff`` smooths the speed estimate itself. Time steps come from frame
timestamps, so dropped frames are handled correctly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroParams:
    min_cutoff: float = 1.0  # Hz
    beta: float = 0.0  # 1 / (unit/s)
    d_cutoff: float = 1.0  # Hz

    def __post_init__(self) -> None:
        if self.min_cutoff <= 0 or self.d_cutoff <= 0 or self.beta < 0:
            raise ValueError(f"One Euro parameters must have min_cutoff > 0, d_cutoff > 0, beta >= 0: {self}")


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Filters arrays of a fixed shape; ``reset(x)`` restarts from a value with zero speed."""

    def __init__(self, params: OneEuroParams) -> None:
        self.params = params
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self, x: np.ndarray | None = None, t: float | None = None) -> None:
        self._x = None if x is None else np.array(x, dtype=np.float64)
        self._dx = None if x is None else np.zeros_like(self._x)
        self._t = t

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None:
            self.reset(x, t)
            return x.copy()
        dt = t - self._t
        if dt <= 0:  # repeated timestamp: keep the last estimate
            return self._x.copy()
        p = self.params
        dx = (x - self._x) / dt
        self._dx = self._dx + _alpha(p.d_cutoff, dt) * (dx - self._dx)
        cutoff = p.min_cutoff + p.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x.copy()
