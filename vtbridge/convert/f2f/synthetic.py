"""Randomly initialised checkpoints with the official names, shapes and storage format, for tests and benchmarks
(the official weights are not redistributable, so nothing here can ship them).

The initialisation keeps activations of order one through the whole network (conv weights scaled by fan-in,
BatchNorm running statistics drawn around realistic values), so numerical comparisons test something.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vtbridge.convert.f2f.checkpoint import EPOCH, KINDS


def random_state_dict(kind: str, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    net = KINDS[kind]()
    out = {}
    for name, value in net.state_dict().items():
        if name.endswith("num_batches_tracked"):
            out[name] = torch.tensor(1000, dtype=torch.int64)
        elif name.endswith("running_mean"):
            out[name] = 0.1 * torch.randn(value.shape, generator=gen)
        elif name.endswith("running_var"):
            out[name] = 0.5 + torch.rand(value.shape, generator=gen)
        elif "headpose_encoder" in name and value.dim() == 4:  # poses are ~0.1-0.3: a strong first layer
            out[name] = torch.randn(value.shape, generator=gen) * (3.0 if name.endswith("module1.0.weight") else 0.1)
        elif value.dim() >= 2:  # conv weights: variance kept through the layer
            out[name] = torch.randn(value.shape, generator=gen) * (1.0 / value[0].numel()) ** 0.5
        elif name.endswith("weight"):  # BatchNorm scale
            out[name] = 1.0 + 0.1 * torch.randn(value.shape, generator=gen)
        else:
            out[name] = 0.05 * torch.randn(value.shape, generator=gen)
    return out


def write_random_checkpoints(folder: str | Path, seed: int = 0) -> Path:
    """``105_rendering_net.pth`` and ``105_motion_net.pth`` in ``folder``, saved as the official files are
    (``torch.save`` of a plain OrderedDict state_dict)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, kind in enumerate(KINDS):
        torch.save(random_state_dict(kind, seed + i), folder / f"{EPOCH}_{kind}.pth")
    return folder
