"""Background blur and replacement: what goes behind the person, and the blend with the segmentation mask.

The user names a background as an image file or a colour; ``load_background`` turns that into a picture once
(scaled to cover the frame, cached per frame size), with one clear line for a missing file, a file that is not an
image, or a colour it cannot read. Blur works on a quarter-size copy (same look, ~16x fewer pixels to filter).
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import ConfigError
from vtbridge.render.compose import cover
from vtbridge.sources.image import decode_image_file

#: Colour names a user may type (BGR). Anything else: #RRGGBB or R,G,B.
COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "red": (0, 0, 255), "green": (0, 255, 0), "blue": (255, 0, 0), "yellow": (0, 255, 255),
    "cyan": (255, 255, 0), "magenta": (255, 0, 255), "orange": (0, 165, 255), "purple": (128, 0, 128),
    "navy": (128, 0, 0), "teal": (128, 128, 0), "beige": (220, 245, 245), "chroma": (0, 177, 0),
}


def parse_colour(text: str) -> tuple[int, int, int] | None:
    """``#RRGGBB``, ``RRGGBB``, ``#RGB``, ``R,G,B`` or a name -> BGR; None when it is not a colour."""
    t = text.strip().lower()
    if t in COLOURS:
        return COLOURS[t]
    m = re.fullmatch(r"#?([0-9a-f]{6}|[0-9a-f]{3})", t)
    if m and (t.startswith("#") or len(m.group(1)) == 6):
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
        return b, g, r
    m = re.fullmatch(r"(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})", t)
    if m and all(int(v) <= 255 for v in m.groups()):
        r, g, b = (int(v) for v in m.groups())
        return b, g, r
    return None


class Background:
    """A replacement background: a solid colour or a picture, produced at any frame size on demand."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.colour: tuple[int, int, int] | None = None
        self.picture: np.ndarray | None = None
        self._cache: tuple[tuple[int, int], np.ndarray] | None = None

    def at(self, size: tuple[int, int]) -> np.ndarray:
        """The background at ``size`` (w, h), BGR uint8 (cached for the last size asked)."""
        if self._cache is not None and self._cache[0] == size:
            return self._cache[1]
        if self.colour is not None:
            image = np.empty((size[1], size[0], 3), np.uint8)
            image[:] = self.colour
        else:
            image = cover(self.picture, size)
        self._cache = (size, image)
        return image


def load_background(spec: str) -> Background:
    """An existing file is a picture; otherwise it must read as a colour. One-line ConfigError otherwise."""
    bg = Background(spec)
    path = Path(spec).expanduser()
    if path.is_file():
        picture = decode_image_file(path)
        if picture is None:
            raise ConfigError(f"background {spec!r} is not an image OpenCV can read; use a JPEG or PNG picture, or "
                              f"a colour such as green or #00b140")
        bg.picture = picture
        return bg
    if path.is_dir():
        raise ConfigError(f"background {spec!r} is a folder; give an image file (JPEG, PNG) or a colour")
    colour = parse_colour(spec)
    if colour is None:
        raise ConfigError(f"background {spec!r}: no such image file, and not a colour; give an existing JPEG/PNG "
                          f"path, a colour name (green, white, gray...), #RRGGBB or R,G,B")
    bg.colour = colour
    return bg


def blur_sigma(strength: int, size: tuple[int, int]) -> float:
    """Gaussian sigma in pixels for blur ``strength`` 1-100 on a frame of ``size``: 100 is 4 % of the height
    (about 29 px at 720p), a blur no detail survives; 10 is a soft, still recognisable room."""
    return max(0.5, strength / 100.0 * 0.04 * size[1])


def blurred(image: np.ndarray, strength: int) -> np.ndarray:
    """The frame blurred at quarter size (then scaled back up: the upscale adds its own smoothness)."""
    h, w = image.shape[:2]
    sw, sh = max(1, w // 4), max(1, h // 4)
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), blur_sigma(strength, (w, h)) / 4.0)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def composite(person: np.ndarray, background: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``person`` where ``mask`` is 1, ``background`` where it is 0, blended in between (float32 mask, full
    size)."""
    inv = 1.0 - mask
    return cv2.blendLinear(person, background, mask, inv)
