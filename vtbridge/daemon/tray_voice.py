"""The tray's *Microphone* submenu (pure, like the rest of the menu model): lip sync on/off, calibrate voice, and
preset steps for gain, noise gate, smoothing and mix strength (the dashboard has sliders for finer values)."""

from __future__ import annotations

from vtbridge.daemon.control import Command, Snapshot

PRESETS = (
    ("gain", "Gain", ((0.0, "0 dB"), (6.0, "+6 dB"), (12.0, "+12 dB"), (20.0, "+20 dB"), (30.0, "+30 dB"))),
    ("gate", "Noise gate", ((-65.0, "-65 dBFS (quiet room)"), (-55.0, "-55 dBFS"), (-50.0, "-50 dBFS"),
                            (-45.0, "-45 dBFS"), (-35.0, "-35 dBFS (noisy room)"))),
    ("smoothing", "Smoothing", ((0.0, "off"), (0.3, "light"), (0.5, "medium"), (0.7, "strong"), (0.85, "very strong"))),
    ("mix_strength", "Mix with camera", ((0.0, "camera only"), (0.5, "half voice"), (0.75, "mostly voice"),
                                         (1.0, "voice when speaking"))),
)


def voice_menu(snapshot: Snapshot, item_type):
    """The submenu as ``item_type`` (tray.MenuItem) entries, in a one-item tuple; empty when the controller has no
    microphone input at all."""
    voice = snapshot.voice or {}
    if not voice:
        return ()
    on = bool(voice.get("enabled"))
    state = voice.get("state", "")
    suffix = f" ({state})" if on and state not in ("listening", "") else ""
    items = [item_type("Lip sync from microphone" + suffix, Command("set_voice", not on), checked=on),
             item_type("Calibrating: " + voice["calibrating"] if voice.get("calibrating") else "Calibrate voice",
                       Command("calibrate_voice"), enabled=on and not voice.get("calibrating"))]
    for key, label, steps in PRESETS:
        current = voice.get(key)
        children = tuple(item_type(text, Command("set_voice_option", (key, value)),
                                   checked=current is not None and abs(float(current) - value) < 1e-6, radio=True)
                         for value, text in steps)
        items.append(item_type(label, children=children))
    return (item_type("Microphone", children=tuple(items)),)
