"""What to output while the face is lost: hold the last pose for ``hold_s``, then ease to neutral over ``ease_s``.
Channels whose neutral is not 0 (the head's distance to the camera) are held instead of eased.

Avatars should not snap to neutral on a one-frame dropout (a hand passing in front of the face), nor freeze forever
when the user walks away. Frames keep ``found=False`` throughout so outputs can signal tracking loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FaceLostParams:
    hold_s: float = 0.5
    ease_s: float = 1.0


def ease_weight(elapsed: float, p: FaceLostParams) -> float:
    """Weight of the last good value after ``elapsed`` seconds without a face: 1 while holding, then a
    smoothstep down to 0."""
    if elapsed <= p.hold_s:
        return 1.0
    if p.ease_s <= 0:
        return 0.0
    u = min(1.0, (elapsed - p.hold_s) / p.ease_s)
    return 1.0 - u * u * (3.0 - 2.0 * u)


class FaceLostEaser:
    """Tracks when the face was last seen and blends the last good vector toward neutral (zeros)."""

    def __init__(self, params: FaceLostParams = FaceLostParams(), hold: np.ndarray | None = None) -> None:
        self.params = params
        self.hold = hold  # boolean mask of channels kept at their last value (e.g. distance: neutral is not 0)
        self.last_good: np.ndarray | None = None
        self.last_seen = 0.0
        self.lost_since: float | None = None  # time of the first frame without a face, None while tracking

    def seen(self, vector: np.ndarray, t: float) -> None:
        self.last_good, self.last_seen = vector, t
        self.lost_since = None

    def lost(self, t: float) -> np.ndarray | None:
        """The vector to show at time ``t`` with no face; None if a face was never seen. The hold counts from
        the last frame that had a face."""
        if self.last_good is None:
            return None
        if self.lost_since is None:
            self.lost_since = t
        out = self.last_good * ease_weight(t - self.last_seen, self.params)
        if self.hold is not None:
            out[self.hold] = self.last_good[self.hold]
        return out
