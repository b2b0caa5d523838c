"""Remembering the choices made in the tray or the dashboard (profile, outputs on/off, camera) without ever making
tracking wait for the disk.

Why a thread of its own: saving is a read-modify-write of ``config.json`` plus two fsync'd files (the file and
its ``.bak``); on a slow, scanned or network disk that is tens of milliseconds, and the pipeline learns of a choice
on the tracking thread. ``ChoiceSaver.submit`` only records the wish and returns. The saver thread writes every
pending key in one go, so a burst of clicks (300 toggles) costs a few writes, and the newest value of each key
always wins: the last choice is never lost, also not at shutdown (``close`` writes what is still pending).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from vtbridge.daemon.control import Command

log = logging.getLogger("vtbridge.persist")


def choice_of(cmd: Command) -> tuple[str, object] | None:
    """The config key and value a viewer's command should leave in ``config.json`` (None: nothing to keep)."""
    if cmd.kind == "set_profile":
        return "profile", str(cmd.arg)
    if cmd.kind == "set_output":
        name, enabled = cmd.arg
        return f"outputs.{name}.enabled", bool(enabled)
    if cmd.kind == "set_camera":
        return "source", str(cmd.arg)
    if cmd.kind == "set_vcam":
        from vtbridge.daemon.vcam import vcam_choice

        return vcam_choice(cmd)
    if cmd.kind == "set_view":
        return "view", str(cmd.arg)
    if cmd.kind == "set_voice":
        return "audio.enabled", bool(cmd.arg)
    if cmd.kind == "set_voice_option":
        key, value = cmd.arg
        return f"audio.{key}", float(value)
    return None


class ChoiceSaver:
    """``submit(cmd)`` from any thread, never blocking on the disk; ``write(changes)`` runs on the saver's own
    thread with every pending {dotted key: value}, newest value per key. A failing write is reported with
    ``report`` (one line) and not retried: the choice still applies to this run."""

    def __init__(self, write: Callable[[dict[str, object]], None], report: Callable[[str], None] = log.error):
        self._write, self._report = write, report
        self._cond = threading.Condition()
        self._pending: dict[str, object] = {}
        self._busy = False  # a batch is being written
        self._closed = False
        self.writes = 0  # batches written (or attempted): how well bursts were coalesced
        self._thread = threading.Thread(target=self._run, name="vtbridge-save-choices", daemon=True)
        self._thread.start()

    def submit(self, cmd: Command) -> None:
        choice = choice_of(cmd)
        if choice is None:
            return
        key, value = choice
        with self._cond:
            self._pending.pop(key, None)  # re-insert: the batch keeps the order of the newest wishes
            self._pending[key] = value
            self._cond.notify_all()

    __call__ = submit  # usable directly as the pipeline's ``on_change``

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written; False if that took longer than ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is pending, then stop the thread (waits at most ``timeout`` for a stuck disk)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._report("could not finish saving the last settings in time; they apply to this run only")

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if not self._pending:  # closed, nothing left
                    return
                batch, self._pending = self._pending, {}
                self._busy = True
            try:
                self._write(batch)
            except Exception as err:  # a full disk, a locked file, a bug: report, keep the thread alive
                self._report(f"could not save the setting ({err}); it applies to this run only")
            finally:
                with self._cond:
                    self.writes += 1
                    self._busy = False
                    self._cond.notify_all()
