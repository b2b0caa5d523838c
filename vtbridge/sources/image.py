"""A still image as a source: one frame, or the same frame repeated at a fixed rate (for a live pipeline)."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import SourceError
from vtbridge.frames import Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}

#: File signatures of the still formats OpenCV decodes (JPEG, PNG, WebP, TIFF, BMP).
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")


def looks_like_image(path: Path) -> bool:
    """True when the file's first bytes are a still image's signature, whatever its name says: a photo renamed
    ``.mp4`` is still a photo (FFmpeg would decode it once, then give no frames)."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    # BMP: "BM", then the file size and two reserved zero words (rules out text that happens to start with BM)
    return head[:2] == b"BM" and len(head) >= 10 and head[6:10] == b"\x00\x00\x00\x00"


def decode_image_file(path: Path) -> np.ndarray | None:
    """BGR pixels of an image file, or None when OpenCV cannot decode it. Bytes + imdecode, because imread fails on
    non-ASCII paths on Windows."""
    data = np.fromfile(str(path), dtype=np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None


def read_image(path: Path, what: str = "image source") -> np.ndarray:
    """The picture at ``path``; a one-line SourceError naming ``what`` it is for when it is missing or unreadable."""
    if not path.is_file():
        raise SourceError(f"{what} {str(path)!r}: file not found; check the path")
    image = decode_image_file(path)
    if image is None:
        raise SourceError(f"{what} {str(path)!r}: not a readable image (corrupt or unsupported format); "
                          f"use a JPEG or PNG")
    return image


class ImageSource:
    """``repeat_fps=None``: a single frame then end. Otherwise the image is delivered at that rate forever."""

    def __init__(self, path: str | Path, *, repeat_fps: float | None = None) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self.image = read_image(self.path)
        self.fps = repeat_fps
        self.frame_count = None if repeat_fps else 1
        self._index = 0
        self._t0 = time.monotonic()

    def read(self, timeout: float | None = None) -> Frame | None:
        if self.fps is None:
            if self._index:
                return None
        else:
            due = self._t0 + self._index / self.fps
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t = self._index / self.fps if self.fps else 0.0
        frame = Frame(image=self.image, t=t, index=self._index, source=self.name)
        self._index += 1
        return frame

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
