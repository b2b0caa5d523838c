"""The ``stylize`` virtual-camera mode: the camera picture painted in a style, then the meeting effects.

The style is painted inside the meeting renderer (its ``paint`` hook), after the person mask of the real camera
picture is known: "style the person only" and "a painted me over my background picture" both use that mask.
"""

from __future__ import annotations


import numpy as np

from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.meeting.renderer import MeetingRenderer
from vtbridge.render.settings import RenderSettings
from vtbridge.render.stylize.networks import DEFAULT_STYLE
from vtbridge.render.stylize.renderer import StyleRenderer, StylizeOptions
from vtbridge.timing import timed


class StylizeMode:
    def __init__(self, settings: RenderSettings, clock=None) -> None:
        self.clock = clock
        self.styler = StyleRenderer(StylizeOptions(style=settings.style or DEFAULT_STYLE,
                                                   region=settings.style_region,
                                                   provider=settings.onnxruntime_provider))
        self.provider = self.styler.provider
        self.meeting = MeetingRenderer(settings, clock, paint=self._paint,
                                       paint_needs_mask=settings.style_region == "person")

    def _paint(self, image: np.ndarray, face: FaceFrame | None, mask: np.ndarray | None) -> np.ndarray:
        with timed(self.clock, "stylize"):
            return self.styler.paint(image, face, mask)

    def status_line(self) -> str:
        return f"stylize on {self.provider}"

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        return self.meeting.render(frame, face)

    def close(self) -> None:
        self.meeting.close()
