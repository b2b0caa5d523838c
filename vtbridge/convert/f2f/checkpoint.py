"""Reading the official checkpoints (``<epoch>_rendering_net.pth``, ``<epoch>_motion_net.pth``) into our networks,
with one clear line for everything a user can get wrong: a missing folder or file, a truncated download, a file
that is not a PyTorch checkpoint, or a checkpoint of another architecture (names or shapes that differ).

The official files are plain ``torch.save(state_dict)`` OrderedDicts (no ``module.`` prefix); we also accept a
``module.`` prefix (DataParallel saves) and a ``{"state_dict": ...}`` wrapper, which other trainers write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from vtbridge.convert.f2f.networks import MotionNet, RenderingNet
from vtbridge.errors import ModelError

EPOCH = 105
KINDS = {"rendering_net": RenderingNet, "motion_net": MotionNet}
_FETCH = ("download the official Face2FaceRHO checkpoints (the Google Drive folder linked from the README of "
          "github.com/NetEase-GameAI/Face2FaceRHO) and pass the folder that holds them")


@dataclass(frozen=True)
class Checkpoints:
    rendering: Path
    motion: Path


def find_checkpoints(folder: str | Path) -> Checkpoints:
    """The rendering and motion net files in ``folder``: ``105_*`` when present, else the highest epoch found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"checkpoint folder {str(folder)!r} not found; {_FETCH}")
    found: dict[str, Path] = {}
    for kind in KINDS:
        exact = folder / f"{EPOCH}_{kind}.pth"
        if exact.is_file():
            found[kind] = exact
            continue
        epochs = sorted((int(m.group(1)), p) for p in folder.glob(f"*_{kind}.pth")
                        if (m := re.fullmatch(rf"(\d+)_{kind}\.pth", p.name)))
        if epochs:
            found[kind] = epochs[-1][1]
    missing = [f"{EPOCH}_{k}.pth" for k in KINDS if k not in found]
    if missing:
        have = ", ".join(sorted(p.name for p in folder.glob("*.pth"))) or "no .pth files"
        raise ModelError(f"checkpoint folder {str(folder)!r} is incomplete: {' and '.join(missing)} missing "
                         f"(found: {have}); both networks are needed - {_FETCH}")
    return Checkpoints(rendering=found["rendering_net"], motion=found["motion_net"])


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors in ``path`` (weights only: nothing in the file is executed)."""
    try:
        raw = torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelError(f"checkpoint {str(path)!r} not found; {_FETCH}") from None
    except Exception as exc:  # torch raises RuntimeError/EOFError/UnpicklingError/... for damaged files
        size = path.stat().st_size if path.exists() else 0
        why = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"checkpoint {str(path)!r} ({size} bytes) cannot be read - truncated or not a PyTorch "
                         f"checkpoint ({why}); download it again") from None
    if isinstance(raw, dict) and isinstance(raw.get("state_dict"), dict):
        raw = raw["state_dict"]
    if not isinstance(raw, dict) or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise ModelError(f"checkpoint {str(path)!r} holds {type(raw).__name__}, not a state_dict of tensors; "
                         f"use the official 105_rendering_net.pth / 105_motion_net.pth files")
    raw.pop("_metadata", None)
    return {k.removeprefix("module."): v for k, v in raw.items()}


def _mismatch(path: Path, kind: str, state: dict, expected: dict) -> str | None:
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    shapes = [f"{k} {tuple(state[k].shape)} (expected {tuple(expected[k].shape)})" for k in expected
              if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if not (missing or extra or shapes):
        return None
    other = next(k for k in KINDS if k != kind)
    other_names = set(KINDS[other]().state_dict())
    if state and set(state) == other_names:
        return (f"checkpoint {str(path)!r} is a Face2FaceRHO {other.replace('_', ' ')}, not a "
                f"{kind.replace('_', ' ')}; the two files look swapped - check their names")
    parts = []
    if missing:
        parts.append(f"{len(missing)} of {len(expected)} tensors missing (e.g. {', '.join(missing[:2])})")
    if extra:
        parts.append(f"{len(extra)} unexpected (e.g. {', '.join(extra[:2])})")
    if shapes:
        parts.append(f"{len(shapes)} with other shapes (e.g. {shapes[0]})")
    return (f"checkpoint {str(path)!r} is not the Face2FaceRHO {kind.replace('_', ' ')} this converter supports "
            f"(official test config: 512 output, 6-D head pose): {'; '.join(parts)}")


def load_network(path: Path, kind: str) -> torch.nn.Module:
    """Our ``kind`` network with the checkpoint's weights, in eval mode."""
    net = KINDS[kind]()
    state = read_state_dict(path)
    expected = net.state_dict()
    problem = _mismatch(path, kind, state, expected)
    if problem:
        raise ModelError(problem)
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ModelError(f"checkpoint {str(path)!r} has NaN/inf values in {bad[0]} (and {len(bad) - 1} more); "
                         f"the file is damaged - download it again")
    net.load_state_dict(state, strict=True)
    return net.eval()


def load_networks(folder: str | Path) -> tuple[RenderingNet, MotionNet, Checkpoints]:
    files = find_checkpoints(folder)
    return load_network(files.rendering, "rendering_net"), load_network(files.motion, "motion_net"), files
