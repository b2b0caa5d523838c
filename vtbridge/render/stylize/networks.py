"""The image-to-image networks a stylised feed can run: the vendored 26-style network, or a user's ONNX model.

Both take a BGR uint8 picture at working size and give one back. A user model's input layout (NCHW or NHWC), value
range (0-1, -1-1 or 0-255) and size (fixed in the graph, or free) are read from the model where it says them and
configurable where it cannot (the range); a model whose input cannot be a colour picture is refused with a message
naming the input and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import ConfigError, ModelError
from vtbridge.models import model_path
from vtbridge.render.onnx_session import SessionOptions, open_session

MULTISTYLE_FILE = "multistyle26.onnx"
NUM_STYLES = 26
#: Names for the styles that have a clear look (the network came without names); any index 0-25 works too.
STYLE_NAMES = {"pastel": 0, "woodcut": 1, "pencil": 2, "mosaic": 3, "oil": 5, "ink": 6, "umber": 10, "sketch": 11,
               "lilac": 12, "frost": 14, "stained-glass": 15, "mondrian": 17, "sepia": 18, "swirl": 19, "crimson": 20}
DEFAULT_STYLE = "oil"
RANGES = {"0-1": (0.0, 1.0), "-1-1": (-1.0, 1.0), "0-255": (0.0, 255.0)}


def style_weights(spec: str) -> np.ndarray:
    """``oil`` | ``5`` | ``3:0.5,12:0.5`` (a blend) -> 26 weights summing to 1."""
    weights = np.zeros(NUM_STYLES, dtype=np.float32)
    for part in str(spec).split(","):
        name, _, amount = part.strip().partition(":")
        name = name.strip().lower()
        index = STYLE_NAMES.get(name, int(name) if name.isdigit() else None)
        if index is None or not 0 <= index < NUM_STYLES:
            known = ", ".join(STYLE_NAMES)
            raise ConfigError(f"style {name!r}: unknown; use a name ({known}), an index 0-{NUM_STYLES - 1}, a blend "
                              f"such as 3:0.5,12:0.5, cartoon, or a path to an .onnx model")
        try:
            weights[index] += float(amount) if amount else 1.0
        except ValueError:
            raise ConfigError(f"style blend {part.strip()!r}: the weight after ':' must be a number") from None
    if weights.sum() <= 0:
        raise ConfigError(f"style blend {spec!r}: the weights must add up to more than 0")
    return weights / weights.sum()


def _even(v: int, k: int = 4) -> int:
    return max(k, int(round(v / k)) * k)


class MultiStyle:
    """The vendored 26-style network (input 0-1 RGB NCHW, H and W multiples of 4)."""

    def __init__(self, spec: str = DEFAULT_STYLE, session: SessionOptions = SessionOptions()) -> None:
        self.weights = style_weights(spec)
        self.session, self.provider = open_session(model_path(MULTISTYLE_FILE), session)
        self._names = [i.name for i in self.session.get_inputs()]

    def work_size(self, size: tuple[int, int], height: int) -> tuple[int, int]:
        w, h = size
        return _even(w * height / h), _even(height)

    def run(self, bgr: np.ndarray) -> np.ndarray:
        x = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        y = self.session.run(None, {self._names[0]: x, self._names[1]: self.weights})[0][0]
        return cv2.cvtColor((np.clip(y.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2BGR)


@dataclass(frozen=True)
class ImageModelSpec:
    """What the renderer needs to know about a user model's picture input; read from the graph by ``inspect``."""

    input: str
    layout: str  # NCHW | NHWC
    size: tuple[int, int] | None  # (w, h) when the graph fixes it
    value_range: str  # 0-1 | -1-1 | 0-255


def _dim(d) -> int | None:
    return d if isinstance(d, int) and d > 0 else None


def inspect(session, path: str, layout: str = "auto", value_range: str = "0-1") -> ImageModelSpec:
    inputs = session.get_inputs()
    if len(inputs) != 1:
        names = ", ".join(f"{i.name} {i.shape}" for i in inputs)
        raise ModelError(f"ONNX model {path!r} has {len(inputs)} inputs ({names}); an image-to-image model takes "
                         f"one picture [1,3,H,W] or [1,H,W,3]")
    inp = inputs[0]
    shape = list(inp.shape)
    expected = "a picture [1,3,H,W] (NCHW) or [1,H,W,3] (NHWC)"
    if len(shape) != 4 or "float" not in inp.type:
        raise ModelError(f"ONNX model {path!r}: input {inp.name!r} is {inp.type} {shape}; expected {expected} "
                         f"of floats")
    if layout == "auto":
        if shape[1] == 3 and shape[3] != 3:
            layout = "NCHW"
        elif shape[3] == 3 and shape[1] != 3:
            layout = "NHWC"
        elif shape[1] == 3:
            layout = "NCHW"
        else:
            raise ModelError(f"ONNX model {path!r}: input {inp.name!r} has shape {shape}; expected {expected} "
                             f"(3 colour channels); set the layout if the graph does not say it")
    channels = shape[1] if layout == "NCHW" else shape[3]
    if _dim(channels) not in (None, 3):
        raise ModelError(f"ONNX model {path!r}: input {inp.name!r} has {channels} channels in layout {layout}; "
                         f"expected {expected}")
    h, w = (shape[2], shape[3]) if layout == "NCHW" else (shape[1], shape[2])
    size = (w, h) if _dim(w) and _dim(h) else None
    if value_range not in RANGES:
        raise ConfigError(f"model value range {value_range!r}: use one of {', '.join(RANGES)}")
    return ImageModelSpec(input=inp.name, layout=layout, size=size, value_range=value_range)


class ImageModel:
    """A user-supplied image-to-image ONNX model (AnimeGAN-style generators, distilled pix2pix students...)."""

    def __init__(self, path: str | Path, *, layout: str = "auto", value_range: str = "0-1",
                 session: SessionOptions = SessionOptions()) -> None:
        self.path = str(path)
        self.session, self.provider = open_session(path, session)
        self.spec = inspect(self.session, self.path, layout, value_range)

    def work_size(self, size: tuple[int, int], height: int) -> tuple[int, int]:
        if self.spec.size:
            return self.spec.size
        w, h = size
        return _even(w * height / h, 8), _even(height, 8)

    def run(self, bgr: np.ndarray) -> np.ndarray:
        lo, hi = RANGES[self.spec.value_range]
        x = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) * ((hi - lo) / 255.0) + lo
        x = x.transpose(2, 0, 1)[None] if self.spec.layout == "NCHW" else x[None]
        try:
            y = self.session.run(None, {self.spec.input: x})[0]
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"ONNX model {self.path!r} failed on a {x.shape} input ({first})") from None
        y = np.asarray(y)
        if y.ndim != 4:
            raise ModelError(f"ONNX model {self.path!r}: output shape {list(y.shape)} is not a picture")
        y = y[0].transpose(1, 2, 0) if y.shape[1] == 3 and self.spec.layout == "NCHW" else y[0]
        if y.shape[-1] != 3:
            raise ModelError(f"ONNX model {self.path!r}: output shape {list(y.shape)} has no 3 colour channels")
        rgb = (np.clip((y - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def check_style(spec: str) -> None:
    """ConfigError/ModelError now for a style that cannot be used (unknown name, missing model file)."""
    if not spec or spec == "cartoon":
        return
    if looks_like_model(spec):
        if not Path(spec).is_file():
            raise ModelError(f"ONNX model {spec!r}: file not found; check the path")
        return
    style_weights(spec)


def looks_like_model(spec: str) -> bool:
    return bool(re.search(r"\.onnx$", str(spec), re.IGNORECASE))
