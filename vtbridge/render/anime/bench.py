"""``vtbridge anime bench``: where THA3's time goes, per stage, for the three kinds of frame a face produces.

- ``all``: every value changes (talking while moving): eyebrow, face, rotate and edit all run.
- ``head``: only the head moves: the eyebrow and face networks are skipped.
- ``face``: the expression changes (eyebrows, eyes, mouth), head still: everything but decompose runs (rotate and
  edit need the new face).
- ``still``: nothing changed beyond 1/256: no network runs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from vtbridge.render.anime.poser import STAGES
from vtbridge.render.anime.pose import POSE_NAMES


def _poses(kind: str, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    base = np.zeros(len(POSE_NAMES), dtype=np.float32)
    out = []
    for _ in range(n):
        p = base.copy()
        if kind in ("all", "face"):
            p[:39] = rng.uniform(0, 1, 39) * (rng.uniform(0, 1, 39) < 0.3)
        if kind in ("all", "head"):
            p[39:44] = rng.uniform(-1, 1, 5)
        out.append(p)
    return out


def run_anime_bench(character: Path, frames: int = 8, provider: str = "auto", threads: int = 0,
                    models: Path | None = None) -> dict:
    from vtbridge.render.anime.renderer import AnimeOptions, AnimeRenderer

    t0 = time.perf_counter()
    renderer = AnimeRenderer(AnimeOptions(character, size=(1280, 720), provider=provider, threads=threads,
                                          models=models))
    report = {"provider": renderer.provider, "threads": threads or "auto (half the cores)", "frames": frames,
              "load_ms": round((time.perf_counter() - t0) * 1000.0, 1),
              "decompose_ms": round(renderer.poser.last_ms["decompose"], 1), "scenarios": {}}
    rng = np.random.default_rng(0)
    try:
        renderer.render_pose(np.zeros(len(POSE_NAMES), dtype=np.float32))  # warm-up
        for kind in ("all", "face", "head", "still"):
            poses = (_poses(kind, frames + 1, rng) if kind != "still"
                     else [np.zeros(len(POSE_NAMES), np.float32)] * (frames + 1))
            renderer.render_pose(poses[0])  # the switch from the previous row is not this row's cost
            sums = {s: 0.0 for s in STAGES[1:]}
            total = 0.0
            for p in poses[1:]:
                t = time.perf_counter()
                renderer.render_pose(p)
                total += time.perf_counter() - t
                for s in sums:
                    sums[s] += renderer.poser.last_ms[s]
            n = len(poses) - 1
            per_frame = total * 1000.0 / n
            report["scenarios"][kind] = {**{s: round(v / n, 1) for s, v in sums.items()},
                                         "frame_ms": round(per_frame, 1),
                                         "fps": round(1000.0 / per_frame, 1) if per_frame > 0 else None}
    finally:
        renderer.close()
    return report


def format_bench(report: dict) -> str:
    lines = [f"THA3 on {report['provider']} (threads {report['threads']}), {report['frames']} frames per row; "
             f"load {report['load_ms']:.0f} ms, eyebrow decomposition once per picture {report['decompose_ms']:.0f} ms",
             f"{'frames':<8}" + "".join(f"{s:>10}" for s in STAGES[1:]) + f"{'frame ms':>10}{'fps':>8}"]
    for kind, row in report["scenarios"].items():
        fps = row["fps"]
        lines.append(f"{kind:<8}" + "".join(f"{row[s]:>10.1f}" for s in STAGES[1:]) + f"{row['frame_ms']:>10.1f}"
                     + (f"{fps:>8.1f}" if fps and fps < 10000 else f"{'-':>8}"))
    return "\n".join(lines)
