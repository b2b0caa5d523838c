"""The ``anime`` virtual-camera mode: RenderSettings -> the THA3 renderer, then mirror/flip like every mode.

The background is a colour (default green, for a chroma key in OBS); THA3's own mirror setting is about which eye
drives which and lives in the mapping file, while the output's ``mirror``/``flip`` turn the finished picture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vtbridge.errors import ConfigError
from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.compose import orient
from vtbridge.render.settings import RenderSettings


def _background_rgb(spec: str) -> tuple[int, int, int]:
    if not spec:
        return (0, 255, 0)
    from vtbridge.render.meeting.background import parse_colour

    bgr = parse_colour(spec)
    if bgr is None:
        raise ConfigError(f"anime mode: background {spec!r} must be a colour (green, #00b140, 0,177,64); the "
                          f"character is drawn over a plain colour for a chroma key")
    return bgr[2], bgr[1], bgr[0]


class AnimeMode:
    def __init__(self, settings: RenderSettings, clock=None, live: bool = True) -> None:
        from vtbridge.render.anime.renderer import AnimeOptions, make_anime_renderer

        if not settings.character:
            raise ConfigError("mode anime needs a character: give --character CHAR.png (make one with "
                              "`vtbridge anime prepare PICTURE --out CHAR.png`)")
        self.settings = settings
        self.renderer = make_anime_renderer(AnimeOptions(Path(settings.character), size=settings.size,
                                                         background=_background_rgb(settings.background),
                                                         provider=settings.onnxruntime_provider),
                                            clock=clock, live=live)

    def status_line(self) -> str:
        return f"anime (THA3) on {self.renderer.provider}"

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        return orient(self.renderer.render(frame, face), self.settings.mirror, self.settings.flip)

    def close(self) -> None:
        self.renderer.close()
