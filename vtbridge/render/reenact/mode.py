"""The ``reenact`` virtual-camera mode: the portrait moved by the user's face, then the meeting effects on it.

The meeting renderer runs on the reenacted picture (background blur or replacement segment the portrait, light and
mirror apply); auto-framing and touch-up are for a camera picture and are left out here - the portrait is already
framed. ``engine = f2f`` runs Face2FaceRHO instead of the built-in warp, when its converted model is installed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from vtbridge.frames import FaceFrame, Frame, empty_face
from vtbridge.render.meeting.renderer import MeetingRenderer
from vtbridge.render.settings import RenderSettings
from vtbridge.timing import timed


log = logging.getLogger("vtbridge.render")

WORK_HEIGHT = 720


def _reenactor(settings: RenderSettings):
    if settings.engine == "f2f":  # the neural reenactor, from checkpoints the user converted
        from vtbridge.render.f2f.renderer import renderer_factory

        return renderer_factory(settings)
    from vtbridge.render.reenact.renderer import PortraitReenactor, ReenactOptions

    w, h = settings.size
    scale = min(1.0, WORK_HEIGHT / h)  # above 720 lines the warp costs more than the letterbox's upscale
    return PortraitReenactor(ReenactOptions(portrait=Path(settings.portrait),
                                            size=(round(w * scale), round(h * scale))))


class ReenactMode:
    def __init__(self, settings: RenderSettings, clock=None) -> None:
        self.clock = clock
        self.reenactor = _reenactor(settings)
        self.meeting = MeetingRenderer(replace(settings, frame="off", touch_up=0), clock)
        self.upscaled = getattr(getattr(self.reenactor, "portrait", None), "upscaled", 1.0)
        if self.upscaled > 1.0:  # said once, where the user looks (console and log)
            log.warning("portrait %s is smaller than the output: upscaled %.1fx; a larger picture looks sharper",
                        settings.portrait, self.upscaled)

    def status_line(self) -> str:
        """What draws the picture, for status displays (the f2f engine says its provider and precision)."""
        status = getattr(self.reenactor, "status", None)
        return status() if callable(status) else "reenact warp (built in)"

    def calibrate(self, face: FaceFrame | None = None) -> None:
        calibrate = getattr(self.reenactor, "calibrate", None)
        if calibrate is not None:
            calibrate(face)

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        with timed(self.clock, "reenact"):
            picture = self.reenactor.render(frame, face if face is not None else empty_face(frame.t, frame.index,
                                                                                            frame.size))
        return self.meeting.render(Frame(image=picture, t=frame.t, index=frame.index, source="portrait"), None)

    def close(self) -> None:
        self.meeting.close()
        close = getattr(self.reenactor, "close", None)
        if close:
            close()

