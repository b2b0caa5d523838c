"""Frame sources: cameras, video files and still images behind one small interface (see ``base.Source``)."""

from __future__ import annotations

import re
from pathlib import Path

from vtbridge.errors import SourceError
from vtbridge.sources.base import LatestSlot, Source
from vtbridge.sources.camera import CameraRequest, CameraSource
from vtbridge.sources.image import IMAGE_SUFFIXES, ImageSource, looks_like_image
from vtbridge.sources.video import VIDEO_SUFFIXES, VideoFileSource

__all__ = ["open_source", "Source", "LatestSlot", "CameraRequest", "describe_spec"]


def describe_spec(spec: str) -> tuple[str, str | int]:
    """Classify a source string: ("camera", index) for digits, ("camera", name) for ``camera:NAME``,
    ("image", path) / ("video", path) for files: by extension, or by content for a picture with a video's name."""
    spec = spec.strip()
    if re.fullmatch(r"\d{1,3}", spec):
        return "camera", int(spec)
    if spec.lower().startswith("camera:"):
        rest = spec[7:].strip()
        return ("camera", int(rest)) if rest.isdigit() else ("camera", rest)
    path = Path(spec)
    kind = "image" if path.suffix.lower() in IMAGE_SUFFIXES or looks_like_image(path) else "video"
    return kind, spec


def open_source(spec: str, *, realtime: bool = False, loop: bool = False, image_fps: float | None = None,
                camera: CameraRequest = CameraRequest()) -> Source:
    """Open whatever ``spec`` names. Files play as fast as possible unless ``realtime``; an image yields one frame
    unless ``image_fps`` repeats it. Raises SourceError with a one-line, actionable message."""
    kind, value = describe_spec(spec)
    if kind == "camera":
        return CameraSource(value, camera)
    path = Path(value)
    if kind == "image":
        return ImageSource(path, repeat_fps=image_fps)
    try:
        return VideoFileSource(path, realtime=realtime, loop=loop)
    except SourceError:
        # A picture with an unusual extension is still a picture; a file named as a video keeps the video error.
        if path.is_file() and path.suffix.lower() not in VIDEO_SUFFIXES:
            try:
                return ImageSource(path, repeat_fps=image_fps)
            except SourceError:
                raise SourceError(f"source {spec!r}: neither a readable video nor an image (corrupt or unsupported "
                                  f"format); use an MP4/H.264 video, a JPEG/PNG image or a camera index") from None
        raise
