"""Atomic file writes: nothing the user configured is ever lost to a crash or a full disk mid-write."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def _synced_temp(path: Path, text: str) -> str:
    """``text`` written and fsync'd to a temp file beside ``path`` (same folder: the rename/link stays atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write via a temp file in the same folder + fsync + rename; ``mode`` (e.g. 0o600) is set before the rename,
    so the file is never visible with looser permissions."""
    path = Path(path)
    tmp = _synced_temp(path, text)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data, *, mode: int | None = None) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", mode=mode)


def create_text_exclusive(path: Path, text: str) -> None:
    """Create ``path`` with ``text``, never replacing an existing file (FileExistsError), never leaving a partial
    one: the content is written and synced under a temp name, then hard-linked into place (link fails if the name
    exists). Where hard links are unsupported, an O_EXCL create is the fallback."""
    path = Path(path)
    tmp = _synced_temp(path, text)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some network/FAT drives)
            with open(path, "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
    finally:
        Path(tmp).unlink(missing_ok=True)
