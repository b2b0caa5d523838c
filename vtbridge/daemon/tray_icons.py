"""Tray icon pictures and tooltip text, drawn from a ``Snapshot`` (pure: no display, no pystray).

The colour says the state at a glance (green tracking, amber no face, grey paused, red error); the glyph repeats
it for colour-blind users (smile, flat mouth, pause bars, exclamation mark). The tooltip is kept under Windows'
127-character limit for notify-icon tips.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from vtbridge.daemon.control import Snapshot

TOOLTIP_MAX = 127
COLORS = {
    "tracking": (46, 160, 67),
    "no_face": (224, 150, 0),
    "paused": (128, 128, 128),
    "error": (205, 45, 45),
    "starting": (64, 120, 200),
}
SHORT_NAMES = {"vmc": "VMC", "ifm": "iFM", "vts": "VTS", "vcam": "Cam"}
_STATE_WORDS = {"starting": "starting", "no_face": "no face", "paused": "paused", "stopped": "stopped"}


def icon_state(snapshot: Snapshot) -> str:
    """One of COLORS' keys (``stopped`` shows as paused: nothing is being sent)."""
    state = snapshot.state
    if state == "stopped":
        return "paused"
    return state if state in COLORS else "error"


def draw_icon(state: str, size: int = 64) -> Image.Image:
    """A round badge with a face glyph; drawn at 4x and downsampled so edges are smooth at tray sizes."""
    scale = 4
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((s * 0.04, s * 0.04, s * 0.96, s * 0.96), fill=COLORS.get(state, COLORS["error"]) + (255,),
              outline=(255, 255, 255, 230), width=max(1, s // 28))
    white = (255, 255, 255, 255)
    if state == "paused":
        for x in (0.34, 0.56):
            d.rounded_rectangle((s * x, s * 0.28, s * (x + 0.11), s * 0.72), radius=s * 0.03, fill=white)
    elif state == "error":
        d.rounded_rectangle((s * 0.44, s * 0.2, s * 0.56, s * 0.6), radius=s * 0.05, fill=white)
        d.ellipse((s * 0.43, s * 0.67, s * 0.57, s * 0.81), fill=white)
    elif state == "starting":
        for x in (0.27, 0.44, 0.61):
            d.ellipse((s * x, s * 0.44, s * (x + 0.12), s * 0.56), fill=white)
    else:
        for x in (0.3, 0.58):  # eyes
            d.ellipse((s * x, s * 0.3, s * (x + 0.12), s * 0.44), fill=white)
        if state == "tracking":
            d.arc((s * 0.28, s * 0.36, s * 0.72, s * 0.74), start=20, end=160, fill=white, width=s // 14)
        else:
            d.rounded_rectangle((s * 0.32, s * 0.62, s * 0.68, s * 0.69), radius=s * 0.03, fill=white)
    return img.resize((size, size), Image.LANCZOS)


def tooltip(snapshot: Snapshot) -> str:
    """``vtbridge — 30 fps — VMC ✓ VTS ✗``; disabled outputs are left out; an error shows its message."""
    state = snapshot.state
    if state == "error":
        head = f"error: {snapshot.message}" if snapshot.message else "error"
    elif state in ("tracking", "no_face"):
        head = f"{snapshot.fps:.0f} fps" if state == "tracking" else f"no face — {snapshot.fps:.0f} fps"
    else:
        head = _STATE_WORDS.get(state, state)
    marks = " ".join(f"{SHORT_NAMES.get(o.name, o.name)} {'✓' if o.state == 'ok' else '✗'}"
                     for o in snapshot.outputs if o.enabled)
    parts = ["vtbridge", head] + ([marks] if marks else [])
    text = " — ".join(parts)
    if len(text) > TOOLTIP_MAX and marks:  # keep the outputs visible; shorten the message instead
        room = TOOLTIP_MAX - len(" — ".join(["vtbridge", "", marks]))
        if room > 8:
            text = " — ".join(["vtbridge", head[:room - 1] + "…", marks])
    return text if len(text) <= TOOLTIP_MAX else text[:TOOLTIP_MAX - 1] + "…"
