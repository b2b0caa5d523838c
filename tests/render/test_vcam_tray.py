"""The tray's virtual-camera entries: the output switch and the effect switches send the right commands."""

from __future__ import annotations

from vtbridge.daemon.control import Command, OutputInfo, Snapshot
from vtbridge.daemon.tray import build_menu, find

EFFECTS = {"mode": "passthrough", "blur": 0, "background": "", "frame": "off", "light": "auto", "touch_up": 0,
           "mirror": False, "flip": False, "size": "1280x720", "fps": 30.0}


def test_vcam_toggle_and_effects_in_the_tray():
    snap = Snapshot(state="tracking", outputs=(OutputInfo("vcam", False, "off"),), vcam=EFFECTS)
    menu = build_menu(snap)
    assert find(menu, "Virtual camera").command == Command("set_output", ("vcam", True))
    blur = find(menu, "Blur background")
    assert blur.checked is False and blur.command == Command("set_vcam", {"blur": 50})
    light = find(menu, "Low-light lift")
    assert light.checked is True and light.command == Command("set_vcam", {"light": "off"})
    assert find(menu, "Auto-framing").command == Command("set_vcam", {"frame": "auto"})
    assert find(menu, "Remove background") is None
    with_bg = build_menu(Snapshot(state="tracking", vcam=EFFECTS | {"background": "green", "blur": 30}))
    assert find(with_bg, "Remove background (green)").command == Command("set_vcam", {"background": ""})
    assert find(with_bg, "Blur background").command == Command("set_vcam", {"blur": 0})
    assert find(build_menu(Snapshot(state="tracking")), "Virtual camera effects") is None
