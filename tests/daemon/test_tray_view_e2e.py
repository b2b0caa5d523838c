"""The tray's "Avatar view" submenu in a real tray (Xvfb + trayer + GTK, driven with xdotool): choosing "Camera"
submits ``set_view camera``. Same set-up and skip rules as test_tray_e2e.py."""

from __future__ import annotations

import time

from tests.daemon.test_tray_e2e import App, _stop, _wait, desktop, icon_window, x  # noqa: F401  (desktop: fixture)


def test_avatar_view_submenu_sets_the_view(desktop):
    env = desktop
    app = App(env)
    try:
        app.expect("ready", 20)
        win = _wait(lambda: icon_window(env), 10, "the tray icon window")
        # Right click; the fifth item is "Avatar view: mirror"; its second entry is "Camera (side for side)".
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Down", "Down", "Down", "Down", "Down", "Right")
        time.sleep(0.3)
        x(env, "xdotool", "key", "Down", "Return")
        app.expect('command set_view "camera"')
        x(env, "xdotool", "mousemove", "--window", win, "10", "10", "click", "3")
        time.sleep(0.5)
        x(env, "xdotool", "key", "Up", "Return")
        app.expect("command quit null")
        assert app.proc.wait(15) == 0
    finally:
        _stop(app.proc)
