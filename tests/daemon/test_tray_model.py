"""The tray's pure parts: menu model (labels, checks, commands), state icons, tooltip; TrayApp's click handling."""

from __future__ import annotations

from vtbridge.daemon.control import Command, OutputInfo, Snapshot
from vtbridge.daemon.tray import SEPARATOR, TrayApp, TrayView, build_menu, find
from vtbridge.daemon.tray_icons import COLORS, TOOLTIP_MAX, draw_icon, icon_state, tooltip

from tests.daemon.fake import FakeController


def snap(**kw) -> Snapshot:
    base = dict(state="tracking", fps=30.0, face=True, profile="vseeface", profiles=("vseeface", "vrm1"),
                cameras=("0", "1"), source="0",
                outputs=(OutputInfo("vmc", True, "ok", 30.0), OutputInfo("ifm", False, "off"),
                         OutputInfo("vts", True, "connecting", last_error="not running")))
    base.update(kw)
    return Snapshot(**base)


def labels(items):
    return [i.label for i in items]


def test_top_level_menu():
    menu = build_menu(snap(), TrayView("http://127.0.0.1:1/?token=t", autostart=True))
    assert labels(menu) == ["Pause tracking", "Outputs", "Profile: vseeface", "Camera", "Avatar view: mirror",
                            "Calibrate neutral face",
                            "-", "Open dashboard", "Start with system", "-", "Quit vtbridge"]
    assert menu[0].command == Command("pause")
    assert find(menu, "Calibrate").command == Command("calibrate") and find(menu, "Calibrate").enabled
    assert find(menu, "Open dashboard").default and find(menu, "Open dashboard").action == "open_dashboard"
    assert find(menu, "Start with system").checked is True
    quit_item = find(menu, "Quit")
    assert quit_item.command == Command("quit") and quit_item.action == "quit"
    assert sum(i.default for i in menu) == 1


def test_avatar_view_shows_the_current_view_and_offers_both():
    menu = build_menu(snap(view="camera"))
    item = find(menu, "Avatar view")
    assert item.label == "Avatar view: camera"
    assert [(c.command, c.checked, c.radio) for c in item.children] == [
        (Command("set_view", "mirror"), False, True), (Command("set_view", "camera"), True, True)]


def test_paused_offers_resume_and_no_calibration():
    menu = build_menu(snap(state="paused"))
    assert menu[0].label == "Resume tracking" and menu[0].command == Command("resume")
    assert not find(menu, "Calibrate").enabled
    assert menu[0].default  # no dashboard: left click pauses/resumes
    assert not find(menu, "Open dashboard").enabled


def test_outputs_checked_equals_enabled_and_click_flips():
    outputs = find(build_menu(snap()), "Outputs").children
    vmc, ifm, vts, vcam = outputs
    assert vmc.label.startswith("VMC") and vmc.checked and vmc.command == Command("set_output", ("vmc", False))
    assert ifm.label == "iFacialMocap" and ifm.checked is False and ifm.command == Command("set_output", ("ifm", True))
    assert vts.label == "VTube Studio (connecting)" and vts.checked
    assert vcam.label == "Virtual camera (not set up)" and not vcam.enabled and vcam.command is None


def test_profiles_radio_and_folder():
    profiles = find(build_menu(snap(profile="vrm1")), "Profile").children
    assert labels(profiles) == ["vseeface", "vrm1", "-", "Open profiles folder"]
    assert [p.checked for p in profiles[:2]] == [False, True] and all(p.radio for p in profiles[:2])
    assert profiles[0].command == Command("set_profile", "vseeface")
    assert profiles[3].action == "open_profiles"
    assert profiles[2] == SEPARATOR


def test_cameras_radio_and_empty_lists():
    cams = find(build_menu(snap(source="1")), "Camera").children
    assert [(c.label, c.checked, c.command) for c in cams] == [("0", False, Command("set_camera", "0")),
                                                               ("1", True, Command("set_camera", "1"))]
    menu = build_menu(snap(cameras=(), profiles=()))
    assert labels(find(menu, "Camera").children) == ["No cameras found"]
    assert not find(menu, "Camera").children[0].enabled
    assert find(menu, "Profile").children[0].label == "No profiles found"


def test_menu_model_is_comparable():
    assert build_menu(snap()) == build_menu(snap(fps=12.0))  # fps alone does not rebuild the menu
    assert build_menu(snap()) != build_menu(snap(state="paused"))


def test_icon_per_state_has_its_colour():
    for state, colour in COLORS.items():
        img = draw_icon(state, 64)
        assert img.size == (64, 64) and img.mode == "RGBA"
        assert img.getpixel((0, 0))[3] == 0  # round badge: transparent corners
        r, g, b, a = img.getpixel((10, 32))  # inside the badge, left of the glyph
        assert a == 255 and max(abs(r - colour[0]), abs(g - colour[1]), abs(b - colour[2])) < 12, (state, r, g, b)
    assert draw_icon("tracking").tobytes() != draw_icon("no_face").tobytes()  # glyphs differ too
    assert icon_state(snap(state="stopped")) == "paused" and icon_state(snap(state="weird")) == "error"
    assert icon_state(snap(state="no_face")) == "no_face"


def test_tooltip():
    assert tooltip(snap()) == "vtbridge — 30 fps — VMC ✓ VTS ✗"
    assert tooltip(snap(state="paused")) == "vtbridge — paused — VMC ✓ VTS ✗"
    assert tooltip(snap(state="no_face", fps=29.6, outputs=())) == "vtbridge — no face — 30 fps"
    long = tooltip(snap(state="error", message="camera 0 cannot be opened: " + "x" * 300))
    assert len(long) <= TOOLTIP_MAX and long.endswith("— VMC ✓ VTS ✗") and "error: camera 0" in long


def test_activate_submits_commands_and_runs_local_actions():
    fake, opened, quits, autostart_calls = FakeController(), [], [], []
    app = TrayApp(fake, "http://127.0.0.1:9/?token=t", on_quit=lambda: quits.append(1), open_url=opened.append,
                  open_profiles=lambda: opened.append("profiles"), autostart_state=lambda: False,
                  set_autostart=lambda on: autostart_calls.append(on) or on)
    menu = build_menu(fake.snapshot(), TrayView(app.dashboard_url, False))
    app.activate(find(menu, "Pause"))
    app.activate(find(menu, "VTube Studio"))
    app.activate(find(menu, "vrm1"))
    app.activate(find(menu, "Open dashboard"))
    app.activate(find(menu, "Open profiles"))
    app.activate(find(menu, "Start with system"))
    assert fake.commands == [Command("pause"), Command("set_output", ("vts", False)), Command("set_profile", "vrm1")]
    assert opened == ["http://127.0.0.1:9/?token=t", "profiles"] and autostart_calls == [True]
    assert find(build_menu(fake.snapshot(), app.view), "Start with system").checked is True
    app.activate(find(menu, "Quit"))
    assert fake.commands[-1] == Command("quit") and quits == [1]


def test_no_display_leaves_the_daemon_running(monkeypatch):
    """pystray raises at import without a display; the tray reports it and returns instead of crashing."""
    import sys

    monkeypatch.setitem(sys.modules, "pystray", None)  # import fails like it does on a headless box
    app = TrayApp(FakeController(), None, autostart_state=lambda: False)
    app.start()
    app._thread.join(5)
    assert not app._thread.is_alive() and app.error and "tray icon unavailable" in app.error
    assert not app.ready.is_set()
    app.stop()  # harmless
