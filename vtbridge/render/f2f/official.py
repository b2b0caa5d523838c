"""``vtbridge models f2f-reenact``: the official test-case inputs in, the official result out.

Inputs as the official ``reenact.py`` reads them: the source picture resized to the model's size with PIL's
bilinear filter (only when its width differs, as the official code checks) and scaled to ``2*x/255 - 1`` (RGB);
72 ``x y`` lines in [-1, 1] per face; 6 pose lines. Output: the 8-bit picture (clamped, ``(x+1)/2*255``,
truncated, written as PNG), and with ``raw`` the network's float output (3, S, S), RGB, [-1, 1], as ``.npy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import SourceError
from vtbridge.render.f2f.engine import Engine, EngineOptions


def read_source(path: str | Path, size: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            if img.size[0] != size or img.size[1] != size:
                img = img.resize((size, size), Image.BILINEAR)
            arr = np.asarray(img).astype(np.float32)
    except FileNotFoundError:
        raise SourceError(f"source image {str(path)!r} not found") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise SourceError(f"source image {str(path)!r} is not a readable picture ({exc})") from None
    return (np.float32(2.0) * arr.transpose(2, 0, 1) / np.float32(255.0) - np.float32(1.0))[None]


def _numbers(path: Path, what: str) -> list[list[float]]:
    try:
        lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
        return [[float(v) for v in ln.split()] for ln in lines]
    except FileNotFoundError:
        raise SourceError(f"{what} file {str(path)!r} not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{what} file {str(path)!r} holds something other than numbers ({exc})") from None


def read_landmarks(path: str | Path) -> np.ndarray:
    rows = _numbers(Path(path), "landmark")
    if len(rows) != 72 or any(len(r) < 2 for r in rows):
        raise SourceError(f"landmark file {str(path)!r}: expected 72 lines of `x y` in [-1, 1], got {len(rows)} "
                          f"lines; use the official 72-point format")
    pts = np.array([r[:2] for r in rows], dtype=np.float32)
    if not np.isfinite(pts).all() or np.abs(pts).max() > 4.0:
        raise SourceError(f"landmark file {str(path)!r}: values must be crop coordinates in [-1, 1]")
    return pts


def read_headpose(path: str | Path) -> np.ndarray:
    rows = _numbers(Path(path), "head pose")
    flat = [v for r in rows for v in r]
    if len(flat) != 6 or not np.isfinite(flat).all():
        raise SourceError(f"head pose file {str(path)!r}: expected 6 numbers (rx ry rz tx' ty' s', one per line), "
                          f"got {len(flat)}")
    return np.array(flat, dtype=np.float32)


@dataclass(frozen=True)
class ReenactResult:
    out: Path
    raw: Path | None
    size: int
    provider: str


def reenact_files(model: str | Path | None, source: str, source_landmarks: str, source_headpose: str,
                  driving_landmarks: str, driving_headpose: str, out: str, raw: str | None = None,
                  provider: str = "auto") -> ReenactResult:
    src_pts, src_pose = read_landmarks(source_landmarks), read_headpose(source_headpose)
    drv_pts, drv_pose = read_landmarks(driving_landmarks), read_headpose(driving_headpose)
    engine = Engine(EngineOptions(model=Path(model) if model else None, provider=provider, precision="fp32",
                                 workers=1))
    image = read_source(source, engine.size)
    prepared = engine.prepare(image, src_pts, src_pose)
    result, bgr = engine.drive(prepared, drv_pts, drv_pose)
    out_path = Path(out)
    if out_path.parent and not out_path.parent.exists():
        out_path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(out_path.suffix or ".png", bgr)
    if not ok:
        raise SourceError(f"cannot write {str(out_path)!r}: unsupported image extension; use .png")
    out_path.write_bytes(data.tobytes())
    raw_path = None
    if raw:
        raw_path = Path(raw)
        np.save(raw_path, result[0].astype(np.float32))
        if raw_path.suffix != ".npy":
            raw_path = raw_path.with_name(raw_path.name + ".npy")
    return ReenactResult(out=out_path, raw=raw_path, size=engine.size, provider=engine.provider)
