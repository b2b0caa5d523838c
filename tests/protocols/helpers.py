"""Frames for protocol/output tests."""

from __future__ import annotations

import numpy as np

from vtbridge.frames import ARKIT_NAMES, FaceFrame, Gaze, HeadPose, MappedFrame


def mapped(names=ARKIT_NAMES, values=None, *, found=True, head=HeadPose(), gaze=Gaze(), t=1.25) -> MappedFrame:
    names = tuple(names)
    if values is None:
        values = np.linspace(0.0, 1.0, len(names), dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    face = FaceFrame(t=t, found=found, blendshapes=np.zeros(len(ARKIT_NAMES), np.float32), head=head, gaze=gaze)
    return MappedFrame(face=face, names=names, values=values, profile="test")


def long_names(n: int, length: int = 40) -> tuple[str, ...]:
    """``n`` distinct names of about ``length`` characters (VRM/perfect-sync clip names can be long)."""
    return tuple(f"Custom_Expression_{i:03d}_".ljust(length, "x") for i in range(n))
