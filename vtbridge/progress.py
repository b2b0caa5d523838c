"""A small progress bar on stderr for long files (no dependency): redraws at most 10 times a second on a
terminal, prints a line every 10 % otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int | None, label: str, *, stream=None, enabled: bool = True) -> None:
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.n = 0
        self._last = 0.0
        self._last_decile = -1
        self._t0 = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if now - self._last >= 0.1:
                self._last = now
                self.stream.write("\r" + self._line(now))
                self.stream.flush()
        elif self.total:
            decile = int(10 * self.n / self.total)
            if decile > self._last_decile:
                self._last_decile = decile
                self.stream.write(self._line(now) + "\n")

    def _line(self, now: float) -> str:
        rate = self.n / max(now - self._t0, 1e-9)
        if self.total:
            frac = min(1.0, self.n / self.total)
            bar = "#" * int(frac * 30)
            eta = (self.total - self.n) / rate if rate > 0 else 0.0
            return f"{self.label} [{bar:<30}] {self.n}/{self.total} {rate:5.1f} fps eta {eta:4.0f}s"
        return f"{self.label} {self.n} frames {rate:5.1f} fps"

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\r" + self._line(time.monotonic()) + "\n")
            self.stream.flush()
