"""Keeping native libraries' console chatter away from users: our own one-line errors say what matters."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Silence file descriptor 2 for a block. Native libraries (MediaPipe's glog/absl "W0000 ..." lines, FFmpeg's
    "error reading header") write there past Python; the caller still raises a clear Python error on failure."""
    try:
        if sys.stderr is not None:  # None under pythonw.exe (the Windows autostart entry)
            sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
