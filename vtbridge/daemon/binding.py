"""An output slot of the daemon: its name, the profile that feeds it, whether it is on, and how to make the output.

Why lazily made outputs: enabling VTube Studio from the tray must never stall tracking, so outputs are made when
first enabled, on a helper thread; a failure is kept as the slot's ``error`` and the slot switched off.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from vtbridge.errors import VtbridgeError
from vtbridge.outputs.base import Output
from vtbridge.signal.view import FOLLOW

log = logging.getLogger("vtbridge.pipeline")


class Binding:
    """An output slot: its name, the profile that feeds it (VMC: the user's profile; iFacialMocap:
    ``ifacialmocap``...), whether it is on, and how to make the output. Outputs are made when first enabled, on a
    helper thread, so enabling VTube Studio from the tray never stalls tracking."""

    def __init__(self, name: str, profile: str, enabled: bool = True, *, output: Output | None = None,
                 factory: Callable[[], Output] | None = None, follows_main: bool = False,
                 view: str = FOLLOW) -> None:
        self.name, self.profile, self.enabled = name, profile, enabled
        self.view = view  # "default": the pipeline's view; "mirror" / "camera": this output's own
        self.output, self.factory = output, factory
        self.follows_main = follows_main  # True: the profile picked in the tray/dashboard feeds this output
        self.error: str | None = None  # why the output could not be made
        self._lock = threading.Lock()
        self._building = False
        self._closed = False

    def build(self) -> None:
        """Make the output now (blocking). Any failure is kept in ``error`` and the slot is switched off: a bad
        output never takes the pipeline down."""
        if self.output is not None or self.factory is None:
            return
        try:
            output, error = self.factory(), None
        except Exception as exc:  # a user error (VtbridgeError) or a bug: either way, report and go on
            output, error = None, str(exc) if isinstance(exc, VtbridgeError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._building = False
            if self._closed and output is not None:  # shut down while it was being made
                output.close()
                return
            self.output, self.error = output, error
            if error:
                self.enabled = False

    def build_in_background(self) -> None:
        with self._lock:
            if self.output is not None or self._building or self._closed:
                return
            self._building = True
        threading.Thread(target=self.build, name=f"make {self.name}", daemon=True).start()

    def release(self) -> None:
        """Switched off: close outputs that can be made again, so e.g. VTube Studio gets its parameters back."""
        if self.factory is not None:
            with self._lock:
                output, self.output = self.output, None
            _close_quietly(self.name, output)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            output, self.output = self.output, None
        _close_quietly(self.name, output)


def _close_quietly(name: str, output: Output | None) -> None:
    if output is not None:
        try:
            output.close()
        except Exception as exc:  # closing must not hide the real outcome
            log.warning("closing %s: %s", name, exc)
