"""One rule for when a live source is healthy, shared by every kind of source (camera, file, image).

Why: opening is not proof. A still picture with a video's name, an empty or broken video, or a camera driver that
opens and then delivers nothing all "open" fine; treating the end that follows as a normal end of file made the
daemon reopen about 115 times a second, burning a core, flooding the log and never saying anything was wrong.
So a source counts as working only once it has delivered a frame: an end, an error or a stall before that is a
failure, reported and retried with exponential backoff; the backoff resets only when frames flow again.

Pure state (no clock, no I/O): the pipeline tells it what happened and asks how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SourceHealth:
    retry_min: float = 0.5
    retry_max: float = 5.0

    def __post_init__(self) -> None:
        self.backoff = self.retry_min  # the wait before the next retry after a failure
        self.frames = 0  # frames since the source was last opened

    def opened(self) -> None:
        self.frames = 0

    def frame(self) -> bool:
        """A frame arrived; True for the first one since opening (the source is healthy again)."""
        self.frames += 1
        if self.frames == 1:
            self.backoff = self.retry_min
            return True
        return False

    def ended(self) -> str | None:
        """The source reached its end: None for a normal end (reopen at once, a looping file), else why it is a
        failure (call ``failed`` for the delay)."""
        if self.frames:
            return None
        return "it opened but gave no frames (a still image, an empty or broken video, or a camera in use?)"

    def failed(self) -> float:
        """Seconds to wait before the next attempt; each failure in a row doubles it, up to ``retry_max``."""
        delay = self.backoff
        self.backoff = min(self.backoff * 2, self.retry_max)
        return delay
