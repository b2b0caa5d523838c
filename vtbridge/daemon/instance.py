"""One daemon per user: an OS file lock held for the daemon's life, plus a note saying who holds it.

Why an OS lock and not a pid file alone: the kernel drops the lock when the process dies, however it dies, so a
crash never leaves a stale "already running". The note (pid + dashboard URL) lives in a second file because on
Windows a locked byte range cannot be read by the other process; the lock file itself is never deleted (deleting a
lock file while another process may be opening it lets two instances lock two different files).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from vtbridge import paths
from vtbridge.errors import VtbridgeError
from vtbridge.fsutil import write_json_atomic
from vtbridge.jsonread import loads as strict_json

LOCK_NAME = "vtbridge.lock"
INFO_NAME = "vtbridge.instance.json"


class AlreadyRunning(VtbridgeError):
    """Another vtbridge daemon holds the lock; ``pid`` and ``dashboard_url`` are what it recorded (may be None)."""

    def __init__(self, pid: int | None, dashboard_url: str | None):
        self.pid, self.dashboard_url = pid, dashboard_url
        who = f" (pid {pid})" if pid else ""
        where = f"; its dashboard is at {dashboard_url}" if dashboard_url else \
            "; use its tray icon, or stop it before starting another"
        super().__init__(f"vtbridge is already running{who}{where}")


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class InstanceLock:
    """``with InstanceLock() as lock: ... lock.set_dashboard_url(url)``; raises ``AlreadyRunning`` on enter."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else paths.user_state_dir()
        self.lock_path = self.folder / LOCK_NAME
        self.info_path = self.folder / INFO_NAME
        self._fd: int | None = None
        self._dashboard_url: str | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            info = read_info(self.folder)
            raise AlreadyRunning(info.get("pid"), info.get("dashboard_url"))
        self._fd = fd
        self._write_info()

    def set_dashboard_url(self, url: str | None) -> None:
        """Record where the dashboard listens (known only after it has bound its port)."""
        self._dashboard_url = url
        if self._fd is not None:
            self._write_info()

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.info_path.unlink(missing_ok=True)
        except OSError:
            pass  # a stale note is harmless: it is only read when the lock is taken
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def _write_info(self) -> None:
        write_json_atomic(self.info_path, {"pid": os.getpid(), "dashboard_url": self._dashboard_url,
                                           "started": time.time()})

    def __enter__(self) -> "InstanceLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def read_info(folder: Path | None = None) -> dict:
    """What the running daemon recorded ({} if nothing readable): pid, dashboard_url, started."""
    path = (Path(folder) if folder else paths.user_state_dir()) / INFO_NAME
    try:
        data = strict_json(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
