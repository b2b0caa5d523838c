"""The tray icon for real: Xvfb + a D-Bus session + dunst (pystray's GTK backend hangs on stop without a
notification daemon) + trayer as the system tray host, TrayApp in its own process with the fake controller,
xdotool for the clicks. Skipped without those tools unless VTBRIDGE_REQUIRE_MEDIA=1 (CI), where it must run."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import REPO
from tests.daemon.helpers import need

TOOLS = ("Xvfb", "xdotool", "xwininfo", "trayer", "dunst", "dbus-daemon", "dbus-send", "import")
ARTIFACTS = REPO / "test-artifacts"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def desktop():
    """An X display with a tray host and a session bus; yields the environment for programs to run in it."""
    need(programs=TOOLS, modules=("gi", "pystray"), why="the tray end-to-end test needs an X server and a tray host")
    procs: list[subprocess.Popen] = []
    try:
        r, w = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                                pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(xvfb)
        os.close(w)
        with os.fdopen(r) as f:
            display = f.readline().strip()
        assert display, "Xvfb did not report a display number"
        env = dict(os.environ, DISPLAY=f":{display}", PYSTRAY_BACKEND="gtk", NO_AT_BRIDGE="1")
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=env)
        procs.append(bus)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        procs.append(subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # pystray's GTK backend connects to the notification service at start: dunst must own the name first.
        _wait(lambda: "boolean true" in x(env, "dbus-send", "--session", "--print-reply",
                                          "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"),
              10, "dunst on the session bus")
        procs.append(subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--SetDockType", "true"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait(lambda: "trayer" in x(env, "xwininfo", "-root", "-tree"), 10, "trayer's panel")
        yield env
    finally:
        for proc in reversed(procs):
            _stop(proc)


def x(env, *cmd) -> str:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=10).stdout


class App:
    """The tray script as a subprocess, its stdout lines in a queue."""

    def __init__(self, env):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.daemon.tray_app_script"], cwd=REPO, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, line: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                got = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if got == line:
                return
            seen.append(got)
        pytest.fail(f"expected {line!r} from the tray script; got {seen}; stderr: {self._stderr()}")

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read()[-2000:]


def icon_window(env) -> str:
    """The StatusIcon's window inside trayer; GTK names it after the tooltip."""
    out = x(env, "xdotool", "search", "--name", "^vtbridge")
    return out.split()[0] if out.split() else ""


def test_tray_icon_menu_and_quit(desktop):
    env = desktop
    app = App(env)
    try:
        app.expect("ready", 20)
        win = _wait(lambda: icon_window(env), 10, "the tray icon window")
        assert re.fullmatch(r"vtbridge — \d+ fps — VMC ✓ VTS ✗", x(env, "xdotool", "getwindowname", win).strip())
        tree = x(env, "xwininfo", "-root", "-tree")
        assert "trayer" in tree and "vtbridge — " in tree
        ARTIFACTS.mkdir(exist_ok=True)
        x(env, "import", "-window", "root", str(ARTIFACTS / "tray.png"))
        _assert_green_icon(env, win)

        # Left click: the default item (Open dashboard).
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "1")
        app.expect("open http://127.0.0.1:9/?token=t")

        # Right click: the menu; Outputs > VMC (checked) switches VMC off.
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Down", "Down", "Right")
        time.sleep(0.3)
        x(env, "import", "-window", "root", str(ARTIFACTS / "tray-menu.png"))
        x(env, "xdotool", "key", "Return")
        app.expect('command set_output ["vmc", false]')
        # The tooltip follows the new snapshot (VMC no longer listed) within the ~2 Hz refresh.
        _wait(lambda: re.fullmatch(r"vtbridge — \d+ fps — VTS ✗", x(env, "xdotool", "getwindowname", win).strip()), 5,
              "the tooltip to drop VMC")

        # Right click, Up (wraps to the last item, Quit), Return: quit command, then a clean exit.
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Up", "Return")
        app.expect("command quit null")
        app.expect("exit", 15)
        assert app.proc.wait(15) == 0
        assert not icon_window(env)  # the icon is gone
    finally:
        _stop(app.proc)


def _assert_green_icon(env, win: str) -> None:
    from PIL import Image

    info = x(env, "xwininfo", "-id", win)
    ax = int(info.split("Absolute upper-left X:")[1].split()[0])
    ay = int(info.split("Absolute upper-left Y:")[1].split()[0])
    w = int(info.split("Width:")[1].split()[0])
    shot = Image.open(ARTIFACTS / "tray.png").convert("RGB")
    r, g, b = shot.getpixel((ax + w // 2, ay + 3))  # the badge's top, above the eyes
    assert g > 120 and g > r + 40 and g > b + 40, (r, g, b)
