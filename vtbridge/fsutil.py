"""Atomic file writes: nothing the user configured is ever lost to a crash or a full disk mid-write.

Each write goes to ``NAME.<random>.tmp`` beside the file, then is renamed over it. A crash (power cut, kill -9)
between the two leaves that temp file behind; the next write of the same file removes such leftovers once they are
old enough that no other process (the daemon and ``vtbridge config set`` may write at the same time) can still be
writing them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

#: A temp file untouched for this long is a crash's leftover, not another writer's work in progress.
STALE_TEMP_S = 60.0


def remove_stale_temps(path: Path, *, older_than: float = STALE_TEMP_S) -> list[Path]:
    """Delete ``NAME.*.tmp`` leftovers of interrupted writes of ``path``; returns what was removed. Never raises
    for a file it cannot remove (that is housekeeping, not the write)."""
    path = Path(path)
    removed = []
    cutoff = time.time() - older_than
    try:
        candidates = list(path.parent.glob(f"{_glob_escape(path.name)}.*.tmp"))
    except OSError:
        return removed
    for tmp in candidates:
        try:
            if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _synced_temp(path: Path, data: bytes) -> str:
    """``data`` written and fsync'd to a temp file beside ``path`` (same folder: the rename/link stays atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write via a temp file in the same folder + fsync + rename; ``mode`` (e.g. 0o600) is set before the rename,
    so the file is never visible with looser permissions."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """``write_text_atomic`` for bytes kept exactly as they are (a backup copy of a file in any encoding)."""
    path = Path(path)
    tmp = _synced_temp(path, data)
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
    tmp = _synced_temp(path, text.encode("utf-8"))
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
