"""Shared helpers for mapping tests: synthetic faces and profile files in a temp folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vtbridge.frames import ARKIT_INDEX, ARKIT_NAMES, FaceFrame, Gaze, HeadPose


def face(found: bool = True, head: HeadPose | None = None, gaze: Gaze | None = None, **shapes) -> FaceFrame:
    bs = np.zeros(len(ARKIT_NAMES), dtype=np.float32)
    for name, value in shapes.items():
        bs[ARKIT_INDEX[name]] = value
    return FaceFrame(t=0, found=found, blendshapes=bs, head=head or HeadPose(), gaze=gaze or Gaze())


def write(folder: Path, name: str, doc) -> Path:
    path = folder / f"{name}.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2), encoding="utf-8")
    return path


def values(profile, f: FaceFrame) -> dict[str, float]:
    return profile.mapper().process(f).as_dict()
