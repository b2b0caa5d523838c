"""The 128x128 PNG icon VTube Studio shows in its "allow this plugin?" popup, drawn with Pillow on demand."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

SIZE = 128


def icon_png() -> bytes:
    """A webcam lens with a smiling face on a rounded teal tile, as PNG bytes (exactly 128x128, RGBA)."""
    scale = 4  # draw large, then downsample for smooth edges
    s = SIZE * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=28 * scale, fill=(22, 132, 140, 255))
    d.ellipse((16 * scale, 16 * scale, 112 * scale, 112 * scale), fill=(245, 248, 250, 255),
              outline=(12, 60, 70, 255), width=6 * scale)
    for cx in (46, 82):  # eyes
        d.ellipse(((cx - 7) * scale, 46 * scale, (cx + 7) * scale, 62 * scale), fill=(12, 60, 70, 255))
    d.arc((38 * scale, 52 * scale, 90 * scale, 92 * scale), start=20, end=160, fill=(230, 80, 110, 255),
          width=6 * scale)
    d.ellipse((96 * scale, 8 * scale, 120 * scale, 32 * scale), fill=(230, 80, 110, 255))  # "recording" dot
    img = img.resize((SIZE, SIZE), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def icon_base64() -> str:
    """The icon as the base64 text ``AuthenticationTokenRequest.pluginIcon`` expects."""
    return base64.b64encode(icon_png()).decode("ascii")
