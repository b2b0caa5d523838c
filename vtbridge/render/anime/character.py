"""A THA3 character picture: 512×512 RGBA, transparent background, head in a fixed place. Loading checks all of it
and says what to do when a picture does not fit; conversion to and from the networks' value range lives here too.

THA3 works in linear light with values in [-1, 1]: sRGB is linearised on the way in and re-encoded on the way out,
and fully transparent pixels are zeroed first (THA3 does the same, so stray colours under alpha 0 cannot leak).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vtbridge.errors import SourceError

SIZE = 512
#: Where THA3 expects the head (from its sample pictures and its crops): the face morpher sees rows 32-224 and
#: columns 160-352; the top of the hair sits near row 64 and the chin near row 200, centred on column 256.
HEAD_TOP, HEAD_BOTTOM, HEAD_CENTER_X = 64, 200, 256
FACE_BOX = (160, 32, 192, 192)  # x, y, w, h: the region the face networks change
PREPARE_HINT = "make one with `vtbridge anime prepare PICTURE --out CHAR.png`"


def load_character(path: Path) -> np.ndarray:
    """The picture as RGBA uint8 (512, 512, 4); SourceError with the reason and the fix when it does not fit."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"character picture {str(path)!r} not found; check the path, or {PREPARE_HINT}")
    try:
        with Image.open(path) as im:
            im.load()
            mode, size = im.mode, im.size
            has_alpha = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info)
            rgba = np.asarray(im.convert("RGBA")) if has_alpha else None
    except (UnidentifiedImageError, OSError) as exc:
        raise SourceError(f"character picture {str(path)!r} is not a readable image ({exc}); use a PNG") from None
    if rgba is None:
        raise SourceError(f"character picture {str(path)!r} has no alpha channel ({mode}): THA3 needs a "
                          f"transparent background; {PREPARE_HINT}")
    if size != (SIZE, SIZE):
        raise SourceError(f"character picture {str(path)!r} is {size[0]}x{size[1]}: THA3 needs exactly "
                          f"{SIZE}x{SIZE} with the head in a set place; {PREPARE_HINT}")
    if rgba[..., 3].min() >= 250:
        raise SourceError(f"character picture {str(path)!r} is fully opaque: THA3 needs the background "
                          f"transparent; {PREPARE_HINT} (it keys out a plain background)")
    if rgba[..., 3].max() < 128:
        raise SourceError(f"character picture {str(path)!r} is empty (fully transparent); {PREPARE_HINT}")
    return np.ascontiguousarray(rgba)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1.0 / 2.4) - 0.055)


def to_network(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 (512, 512, 4) -> float32 (1, 4, 512, 512) in [-1, 1], linear colour, transparent pixels zeroed."""
    x = rgba.astype(np.float32) / 255.0
    x[x[..., 3] <= 0.0] = 0.0
    x[..., :3] = srgb_to_linear(x[..., :3])
    return np.ascontiguousarray((x * 2.0 - 1.0).transpose(2, 0, 1)[None], dtype=np.float32)


def from_network(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float (1, 4, H, W) in [-1, 1] -> (RGB float32 sRGB in [0, 1] (H, W, 3), alpha float32 (H, W))."""
    v = (y[0].transpose(1, 2, 0) + 1.0) * 0.5
    return linear_to_srgb(v[..., :3]).astype(np.float32), np.clip(v[..., 3], 0.0, 1.0).astype(np.float32)
