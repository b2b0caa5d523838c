"""Run ``TrayApp`` with the fake controller until Quit (driven by test_tray_e2e.py under Xvfb + trayer).

Prints one line per event on stdout: ``ready``, ``command KIND ARG`` for every command the tray submitted,
``open URL`` for Open dashboard, and ``exit`` after the icon loop has ended.
"""

from __future__ import annotations

import json
import sys
import threading

from vtbridge.daemon.tray import TrayApp

from tests.daemon.fake import FakeController


class Recording(FakeController):
    def submit(self, command) -> None:
        super().submit(command)
        say(f"command {command.kind} {json.dumps(command.arg)}")


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    fake = Recording()
    quit_called = threading.Event()
    app = TrayApp(fake, "http://127.0.0.1:9/?token=t", on_quit=quit_called.set,
                  open_url=lambda url: say(f"open {url}"), open_profiles=lambda: say("open profiles"),
                  autostart_state=lambda: False, set_autostart=lambda on: on)
    threading.Thread(target=lambda: app.ready.wait(30) and say("ready"), daemon=True).start()
    app.start()
    app._thread.join()  # the icon loop ends after Quit
    say("exit" if quit_called.is_set() else "exit without quit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
