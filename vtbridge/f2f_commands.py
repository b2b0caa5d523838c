"""``vtbridge models convert-f2f`` and ``vtbridge models f2f-reenact``: thin CLI wiring; the work is in
``vtbridge.convert.f2f`` (needs the ``convert`` extra) and ``vtbridge.render.f2f`` (runtime, no torch)."""

from __future__ import annotations

import sys

from vtbridge.cli_groups import subcommand_group
from vtbridge.errors import ModelError


def cmd_convert(args) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ModelError("converting needs PyTorch: pip install 'vtbridge[convert]' (a CPU build is enough, e.g. "
                         "pip install torch==2.13.0)") from None
    from vtbridge.convert.f2f.export import convert
    from vtbridge.render.f2f.model import default_model_dir

    out = args.out or default_model_dir()
    result = convert(args.checkpoints, out, size=args.size, log=lambda m: print(m, file=sys.stderr))
    print(f"Face2FaceRHO converted at {result.size}x{result.size} -> {result.folder} (ONNX vs PyTorch max "
          f"difference {result.max_error:.1e}; {result.seconds:.0f} s)")
    if "fp16" in result.variants:
        print(f"fp16 driving graph for GPU providers: at most {result.variants['fp16']['max_error']:.4f} from the "
              f"float graph (used automatically on DirectML/CUDA/CoreML)")
    if "bf16" in result.variants:
        b = result.variants["bf16"]
        use = ("used automatically with provider openvino" if b["visually_lossless"] else
               "not visually lossless with these weights: openvino stays float32 unless precision bf16 is set")
        print(f"bf16 decoder on OpenVINO (CPU): rms {b['rms_levels']:.2f} levels of 255, 99.9 % within "
              f"{b['p999_levels']:.2f}, PSNR {b['psnr_db']:.1f} dB ({use})")
    if "int8" in result.variants:
        q = result.variants["int8"]
        print(f"optional int8 driving graph (CPU, precision: int8): rms error {q['rms_error']:.3f} against a picture "
              f"rms of {q['signal_rms']:.3f} on random inputs - check it looks right before using it")
    return 0


def cmd_reenact(args) -> int:
    from vtbridge.render.f2f.official import reenact_files

    r = reenact_files(args.model, args.source, args.source_landmarks, args.source_headpose, args.driving_landmarks,
                      args.driving_headpose, args.out, raw=args.raw, provider=args.provider)
    print(f"{r.size}x{r.size} reenacted -> {r.out}" + (f", raw output -> {r.raw}" if r.raw else "")
          + f" ({r.provider})")
    return 0


def _bench_with_f2f(original):
    """``vtbridge bench`` with ``--f2f MODEL``: the Face2FaceRHO report instead of the tracking one."""

    def run(args) -> int:
        if not getattr(args, "f2f", None):
            return original(args)
        import json

        from vtbridge.render.f2f.bench import format_f2f, run_f2f_bench

        report = run_f2f_bench(args.source, args.f2f, portrait=args.f2f_portrait, frames=args.frames or 30)
        print(json.dumps(report) if args.json else format_f2f(report))
        return 0

    return run


def _extend_bench(sub) -> None:
    bench = sub.choices.get("bench")
    if bench is None:
        return
    bench.add_argument("--f2f", action="append", metavar="MODEL", help="time Face2FaceRHO with this converted "
                       "model folder instead (repeat for several sizes)")
    bench.add_argument("--f2f-portrait", default=None, help="portrait for --f2f (default: the clip's first face)")
    bench.set_defaults(func=_bench_with_f2f(bench.get_default("func")))


def register(sub) -> None:
    _extend_bench(sub)
    msub = subcommand_group(sub, "models", "convert models that vtbridge cannot ship (into your data folder)")

    c = msub.add_parser("convert-f2f", help="convert the official Face2FaceRHO checkpoints to ONNX (needs torch)")
    c.add_argument("--checkpoints", required=True, help="folder with 105_rendering_net.pth and 105_motion_net.pth")
    c.add_argument("--size", type=int, default=512, help="output size, a multiple of 16 (default 512)")
    c.add_argument("--out", default=None, help="output folder (default: the user data folder, where the runtime "
                                                 "looks)")
    c.set_defaults(func=cmd_convert)

    r = msub.add_parser("f2f-reenact", help="reenact from the official test-case file formats")
    r.add_argument("--model", default=None, help="converted model folder (default: the user data folder)")
    r.add_argument("--source", required=True, help="source face picture (a VoxCeleb-style face crop)")
    r.add_argument("--source-landmarks", required=True, help="72 `x y` lines in [-1, 1]")
    r.add_argument("--source-headpose", required=True, help="6 lines: rx ry rz tx' ty' s'")
    r.add_argument("--driving-landmarks", required=True)
    r.add_argument("--driving-headpose", required=True)
    r.add_argument("--out", required=True, help="output picture (.png)")
    r.add_argument("--raw", default=None, help="also save the float output (3xSxS, RGB, [-1, 1]) as .npy")
    r.add_argument("--provider", default="auto", help="onnxruntime provider: auto, dml, cuda, coreml, cpu")
    r.set_defaults(func=cmd_reenact)
