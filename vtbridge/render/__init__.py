"""Renderers for the virtual camera: ``render(frame, face) -> image``, picked by mode name.

The registry is the extension point for later modes (``reenact``, ``stylize``, ``anime``): a mode registers a
factory ``(settings) -> Renderer`` here, and ``vtbridge render --mode``, ``run --vcam MODE`` and the config's
``outputs.vcam.mode`` offer it with no other change. Factories import their heavy parts lazily, so listing modes is
cheap. The thread, the latest-wins slot, the pacing and the sinks live in ``vtbridge.outputs.vcam``, not here.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from vtbridge.errors import ConfigError
from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.settings import RenderSettings


class Renderer(Protocol):
    """Takes the latest camera frame (oriented as tracked) and the tracked face in the same image coordinates;
    returns a BGR uint8 image of exactly ``settings.size``. Called from one thread only."""

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray: ...

    def close(self) -> None: ...


RendererFactory = Callable[..., Renderer]
_REGISTRY: dict[str, tuple[RendererFactory, str]] = {}


def register_renderer(mode: str, factory: RendererFactory, description: str = "") -> None:
    """Make ``mode`` available everywhere a mode is chosen. ``factory(settings, clock=None, live=True)`` builds
    it."""
    _REGISTRY[mode] = (factory, description)


def modes() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def describe(mode: str) -> str:
    return _REGISTRY[mode][1]


def make_renderer(settings: RenderSettings, clock=None, live: bool = True) -> Renderer:
    """The renderer for ``settings.mode``; ``clock`` (a ``vtbridge.timing.StageTimes``) receives stage times.
    ``live=False`` (rendering a file, benchmarks): every frame is rendered in full, even by a renderer that would
    otherwise show its newest finished picture while it works on the next (anime)."""
    if settings.mode not in _REGISTRY:
        raise ConfigError(f"render mode {settings.mode!r} does not exist; available: {', '.join(modes())}")
    factory, _ = _REGISTRY[settings.mode]
    return factory(settings, clock=clock, live=live)


def _meeting(settings: RenderSettings, clock=None, live: bool = True) -> Renderer:
    from vtbridge.render.meeting.renderer import MeetingRenderer

    return MeetingRenderer(settings, clock=clock)


register_renderer("passthrough", _meeting,
                  "the camera picture with the meeting effects (blur/background, framing, light, touch-up)")


def _reenact(settings: RenderSettings, clock=None, live: bool = True) -> Renderer:
    from vtbridge.render.reenact.mode import ReenactMode

    return ReenactMode(settings, clock=clock)


def _stylize(settings: RenderSettings, clock=None, live: bool = True) -> Renderer:
    from vtbridge.render.stylize.mode import StylizeMode

    return StylizeMode(settings, clock=clock)


def _anime(settings: RenderSettings, clock=None, live: bool = True) -> Renderer:
    from vtbridge.render.anime.mode import AnimeMode

    return AnimeMode(settings, clock=clock, live=live)


register_renderer("reenact", _reenact,
                  "a portrait (--portrait IMG) that turns, blinks and talks with your face; no model needed")
register_renderer("stylize", _stylize,
                  "the camera painted in a style (--style NAME|INDEX|MODEL.onnx, or cartoon)")
register_renderer("anime", _anime,
                  "an anime character from one picture (--character CHAR.png), Talking Head Anime 3; needs "
                  "`vtbridge models convert-tha3` once")
