"""What a user chooses for the virtual camera's picture: output size and rate, mode, and the meeting effects.

One frozen dataclass, shared by ``vtbridge render``, ``vtbridge run --vcam`` and the daemon's ``outputs.vcam``
config section, so a setting means the same thing everywhere. Parsers for the user-typed forms (``1280x720``,
``#00ff00``) live here and raise one-line ``ConfigError``s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vtbridge.errors import ConfigError

#: Sizes a virtual camera can reasonably carry (below QQVGA is useless, above 4K no meeting app takes).
MIN_SIZE = (160, 120)
MAX_SIZE = (3840, 2160)
MAX_FPS = 60


PROVIDERS = ("auto", "dml", "cuda", "coreml", "cpu", "openvino")  # openvino: the f2f engine; others use auto there
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "int8")


@dataclass(frozen=True)
class RenderChoices:
    """What the user picks for the picture: shared by ``RenderSettings`` and the daemon's ``VcamConfig``, which add
    its size and rate (and, for the config, where it goes). ``blur``/``touch_up``: 0 (off) to 100. ``background``:
    "" (the camera's own), an image path, or a colour (``#RRGGBB``, ``R,G,B`` or a name such as ``green``).
    ``frame``/``light``: "off" or "auto"."""

    mode: str = "passthrough"
    blur: int = 0
    background: str = ""
    frame: str = "off"
    frame_zoom_max: float = 2.0
    light: str = "off"
    touch_up: int = 0
    mirror: bool = False
    flip: bool = False
    portrait: str = ""  # reenact: the picture that moves with the user's face
    engine: str = "warp"  # reenact: warp (built in, no model) | f2f (Face2FaceRHO, converted by the user)
    style: str = ""  # stylize: a style name, index or blend, cartoon, or a .onnx model ("" = the default style)
    style_region: str = "frame"  # stylize: frame | face | person
    character: str = ""  # anime: a 512x512 RGBA picture in THA3's layout (vtbridge anime prepare)
    provider: str = "auto"  # model runtime: auto | dml | cuda | coreml | cpu (onnxruntime) | openvino (f2f engine)
    precision: str = "auto"  # f2f engine: auto | fp32 | fp16 (GPU) | bf16 (openvino) | int8 (CPU, lossy)


@dataclass(frozen=True)
class RenderSettings(RenderChoices):
    width: int = 1280
    height: int = 720
    fps: float = 30.0

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def onnxruntime_provider(self) -> str:
        """The provider for renderers that run on onnxruntime only (openvino is the f2f engine's; they use auto)."""
        return "auto" if self.provider == "openvino" else self.provider

    @property
    def needs_mask(self) -> bool:
        return self.blur > 0 or bool(self.background)

    def summary(self) -> str:
        bits = [f"{self.mode} {self.width}x{self.height}@{self.fps:g}"]
        if self.mode == "reenact":
            bits.append(f"portrait {self.portrait}" + (f" ({self.engine})" if self.engine != "warp" else ""))
        if self.mode == "anime":
            bits.append(f"character {self.character}")
        if self.mode == "stylize":
            bits.append(f"style {self.style or 'default'}" + (f" on the {self.style_region}"
                                                              if self.style_region != "frame" else ""))
        if self.background:
            bits.append(f"background {self.background}")
        if self.blur:
            bits.append(f"blur {self.blur}")
        if self.frame != "off":
            bits.append(f"frame {self.frame}")
        if self.light != "off":
            bits.append(f"light {self.light}")
        if self.touch_up:
            bits.append(f"touch-up {self.touch_up}")
        if self.mirror:
            bits.append("mirror")
        if self.flip:
            bits.append("flip")
        return ", ".join(bits)


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); anything else, or an absurd size, is a one-line ConfigError."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", str(text))
    if not m:
        raise ConfigError(f"size {text!r} is not WIDTHxHEIGHT; use e.g. 1280x720 or 1920x1080")
    w, h = int(m.group(1)), int(m.group(2))
    check_size(w, h, f"size {text!r}")
    return w, h


def check_size(w: int, h: int, what: str = "size") -> None:
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise ConfigError(f"{what} is out of range: width {MIN_SIZE[0]}-{MAX_SIZE[0]} and height "
                          f"{MIN_SIZE[1]}-{MAX_SIZE[1]} pixels; use e.g. 1280x720")
    if w % 2 or h % 2:
        raise ConfigError(f"{what}: width and height must be even (virtual cameras and video encoders need it); "
                          f"use e.g. {w - w % 2}x{h - h % 2}")


def check_fps(fps: float) -> None:
    if not 1 <= fps <= MAX_FPS:
        raise ConfigError(f"fps {fps:g} is out of range (1-{MAX_FPS}); use e.g. 30")


def check_strength(name: str, value: int) -> None:
    if not 0 <= value <= 100:
        raise ConfigError(f"{name} {value} is out of range (0 = off, up to 100)")


def validate(settings: RenderSettings) -> RenderSettings:
    """Check every value a user typed (the background file is checked when it is loaded)."""
    check_size(settings.width, settings.height)
    check_fps(settings.fps)
    check_strength("blur", settings.blur)
    check_strength("touch-up", settings.touch_up)
    for name, value in (("frame", settings.frame), ("light", settings.light)):
        if value not in ("off", "auto"):
            raise ConfigError(f"{name} {value!r} is not one of off, auto")
    if settings.mode == "reenact" and not settings.portrait:
        raise ConfigError("mode reenact needs a portrait: give --portrait PICTURE (a JPEG or PNG with one face)")
    if settings.engine not in ("warp", "f2f"):
        raise ConfigError(f"engine {settings.engine!r} is not one of warp, f2f")
    if settings.provider not in PROVIDERS:
        raise ConfigError(f"provider {settings.provider!r} is not one of {', '.join(PROVIDERS)}")
    if settings.precision not in PRECISIONS:
        raise ConfigError(f"precision {settings.precision!r} is not one of {', '.join(PRECISIONS)}")
    if settings.style_region not in ("frame", "face", "person"):
        raise ConfigError(f"style region {settings.style_region!r} is not one of frame, face, person")
    if not 1.0 <= settings.frame_zoom_max <= 4.0:
        raise ConfigError(f"frame zoom {settings.frame_zoom_max:g} is out of range (1-4)")
    return settings
