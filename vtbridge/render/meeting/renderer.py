"""The ``passthrough`` mode: the camera picture with the meeting effects, in a fixed order.

  effects    low-light lift, then the face touch-up (on the camera picture, before anything is cut out)
  segment    person mask (MediaPipe Selfie Segmenter), smoothed over time and feathered
  composite  the person over a blurred or replaced background
  effects    auto-framing crop (or the whole picture), letterboxed to the output size; mirror/flip last

Each step runs only when its effect is on, so plain passthrough costs one resize. Stage times go to ``clock``
(``vtbridge bench --vcam`` reads them; the daemon shows their means).
"""

from __future__ import annotations


import numpy as np

from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.compose import crop_to, letterbox, orient
from vtbridge.render.meeting.background import Background, blurred, composite, load_background
from vtbridge.render.meeting.framing import AutoFramer, FramingOptions, face_box
from vtbridge.render.meeting.light import LowLight
from vtbridge.render.meeting.segment import MaskSmoother, PersonSegmenter, full_mask
from vtbridge.render.meeting.touchup import touch_up
from vtbridge.render.settings import RenderSettings, validate
from vtbridge.timing import timed


class MeetingRenderer:
    """``paint(image, face, mask) -> image`` (optional) transforms the camera picture after the person mask is
    known and before it is composited: the stylize mode paints there, so "style the person only" and "style over
    a replaced background" use the mask of the real camera picture, not of a painting."""

    def __init__(self, settings: RenderSettings, clock=None, *, paint=None, paint_needs_mask: bool = False) -> None:
        self.settings = validate(settings)
        self.clock = clock
        self.paint = paint
        self.background: Background | None = load_background(settings.background) if settings.background else None
        self.segmenter = PersonSegmenter() if settings.needs_mask or paint_needs_mask else None
        self.smoother = MaskSmoother()
        self.framer = AutoFramer(FramingOptions(out_aspect=settings.width / settings.height,
                                                zoom_max=settings.frame_zoom_max))
        self.light = LowLight()
        self.last_mask: np.ndarray | None = None  # full-size mask of the last frame (tests, dashboards)

    def _time(self, stage: str):
        return timed(self.clock, stage)

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        s = self.settings
        image = frame.image
        if face is not None and (not face.found or face.image_size != frame.size):
            face = None if not face.found else face  # landmarks of another size cannot be placed: ignore them
        with self._time("effects"):
            if s.light == "auto":
                image = self.light.process(image, face_box(face) if face is not None else None)
            if s.touch_up:
                image = touch_up(image, face, s.touch_up)
        mask = None
        if self.segmenter is not None:
            with self._time("segment"):
                mask = full_mask(self.smoother.process(self.segmenter.segment(image)), frame.size)
            self.last_mask = mask
        if self.paint is not None:
            image = self.paint(image, face, mask)
        if mask is not None and s.needs_mask:
            with self._time("composite"):
                if self.background is not None:
                    back = self.background.at(frame.size)
                    back = blurred(back, s.blur) if s.blur and self.background.picture is not None else back
                else:
                    back = blurred(image, s.blur)
                image = composite(image, back, mask)
        with self._time("effects"):
            if s.frame == "auto":
                rect = self.framer.update(face, frame.size, frame.t)
                out = crop_to(image, rect, s.size)
            else:
                out = letterbox(image, s.size)
            return orient(out, s.mirror, s.flip)

    def close(self) -> None:
        if self.segmenter is not None:
            self.segmenter.close()
            self.segmenter = None
