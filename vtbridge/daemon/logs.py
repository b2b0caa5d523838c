"""Daemon logging: a rotating file for bug reports, a concise stderr for the person watching a terminal.

A tray app usually has no terminal, so the file is where "why did it stop sending?" gets answered; rotation keeps
it bounded (about 1 MB x 3) however long the daemon runs. Calling ``setup_logging`` again replaces our handlers
instead of stacking them (tests, restarts within one process).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from vtbridge import paths

LOG_NAME = "vtbridge.log"
_MARK = "_vtbridge_handler"


class _Concise(logging.Formatter):
    """``vtbridge: message`` for info; ``vtbridge: warning: message`` above it (no timestamps on a terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        if record.exc_info and record.levelno >= logging.ERROR:
            text += "\n" + self.formatException(record.exc_info)
        return f"vtbridge: {text}"


def setup_logging(verbose: bool = False, *, log_dir: Path | None = None, max_bytes: int = 1_000_000,
                  backups: int = 3, stream=None) -> Path:
    """Configure the ``vtbridge`` logger; returns the log file's path. ``verbose`` shows info on stderr and
    debug in the file."""
    folder = Path(log_dir) if log_dir else paths.user_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    logger = logging.getLogger("vtbridge")
    close_logging()

    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                        encoding="utf-8", delay=True)
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handlers = [file_handler]
    stream = stream if stream is not None else sys.stderr
    if stream is not None:  # None under pythonw.exe (started with Windows): the file is the only log
        console = logging.StreamHandler(stream)
        console.setLevel(logging.INFO if verbose else logging.WARNING)
        console.setFormatter(_Concise())
        handlers.append(console)
    for handler in handlers:
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False  # the root logger (pytest, libraries) must not print our lines twice
    return path


def close_logging() -> None:
    """Remove and close the handlers ``setup_logging`` added (flushes the file)."""
    logger = logging.getLogger("vtbridge")
    for handler in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(handler)
        handler.close()
    logger.propagate = True
