"""iFacialMocap UDP text format (what the iPhone app sends; VSeeFace, VNyan, Warudo, VMagicMirror, VBridger accept
it on UDP port 49983), sans I/O.

One datagram per frame, ASCII text::

    trackingStatus-1|eyeBlink_L-37|...|jawOpen-12|=head#X,Y,Z,px,py,pz|rightEye#X,Y,Z|leftEye#X,Y,Z|

v1 separates each name from its integer value with ``-``; v2 (the app's ``sendDataVersion=v2`` mode) uses ``&``,
everything else is the same. ``trackingStatus`` comes first on purpose: VRCFaceTracking's iFacialMocap module skips
the first item of every datagram (``docs/receivers.md``). Values are integers 0..100. Names are ARKit camelCase with ``_L``/``_R`` instead of a
trailing ``Left``/``Right`` (``mouthLeft``/``jawLeft`` keep theirs: they are directions, not sides).

The frame is the avatar's own motion (the mirror/camera ``view`` is applied before, ``vtbridge.signal.view``), and
it is sent the way iFacialMocap receivers read it (``docs/receivers.md``): Euler X, Y, Z in degrees with X > 0
looking down (X = -pitch), Y > 0 turning the avatar toward its own left (Y = yaw), Z > 0 tilting it toward its own
right shoulder (Z = roll); position in metres with x > 0 toward the viewer's right; ``_L`` is the avatar's own
left. VMagicMirror, for one, builds ``Quaternion.Euler(X, Y, Z)`` and negates its y and z (a reflection into the
avatar's frame), which gives exactly these directions. A real phone sends the user's motion in these terms
*reflected*, which is why receivers show a mirror by default; ``view = "mirror"`` reproduces that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vtbridge.frames import MappedFrame

DEFAULT_PORT = 49983
SEPARATORS = {1: "-", 2: "&"}
#: Names whose trailing Left/Right is a direction, not a side: iFacialMocap keeps them as they are.
_DIRECTIONAL = frozenset({"mouthLeft", "mouthRight", "jawLeft", "jawRight"})


def ifm_name(name: str) -> str:
    """ARKit name -> iFacialMocap name (``eyeBlinkLeft`` -> ``eyeBlink_L``); iFacialMocap names pass unchanged."""
    if name in _DIRECTIONAL:
        return name
    if name.endswith("Left"):
        return name[:-4] + "_L"
    if name.endswith("Right"):
        return name[:-5] + "_R"
    return name


def arkit_name(name: str) -> str:
    """iFacialMocap name -> ARKit name (``eyeBlink_L`` -> ``eyeBlinkLeft``)."""
    if name.endswith("_L"):
        return name[:-2] + "Left"
    if name.endswith("_R"):
        return name[:-2] + "Right"
    return name


def _percent(v: float) -> int:
    if not v > 0.0:  # also NaN
        return 0
    return 100 if v >= 1.0 else int(v * 100.0 + 0.5)


def _num(v: float) -> str:
    return "%.4f" % (v if math.isfinite(v) else 0.0)


def build_ifm_datagram(frame: MappedFrame, version: int = 1, *, tracking_status: bool = True) -> bytes:
    """One iFacialMocap datagram for ``frame`` (its profile outputs become the blendshape fields)."""
    sep = SEPARATORS.get(version)
    if sep is None:
        raise ValueError(f"iFacialMocap version must be 1 or 2, not {version!r}")
    face = frame.face
    parts = []
    if tracking_status:
        parts.append(f"trackingStatus{sep}{1 if face.found else 0}")
    for name, v in zip(frame.names, frame.values.tolist()):
        parts.append(f"{ifm_name(name)}{sep}{_percent(v)}")
    h, g = face.head, face.gaze
    head = (-h.pitch, h.yaw, h.roll, h.x / 100.0, h.y / 100.0, h.z / 100.0)
    right = (-g.right_pitch, g.right_yaw, 0.0)
    left = (-g.left_pitch, g.left_yaw, 0.0)
    parts.append("=head#" + ",".join(map(_num, head)))
    parts.append("rightEye#" + ",".join(map(_num, right)))
    parts.append("leftEye#" + ",".join(map(_num, left)))
    return ("|".join(parts) + "|").encode("ascii")


@dataclass
class IfmPacket:
    """A parsed datagram (for tests and fake receivers)."""

    version: int
    blendshapes: dict[str, int] = field(default_factory=dict)  # iFacialMocap names, 0..100
    tracking: int | None = None
    head: tuple[float, ...] = ()
    right_eye: tuple[float, ...] = ()
    left_eye: tuple[float, ...] = ()


def parse_ifm_datagram(data: bytes) -> IfmPacket:
    """Parse v1 or v2 text; raises ValueError on malformed fields."""
    text = data.decode("ascii")
    if not text.endswith("|"):
        raise ValueError("iFacialMocap datagram must end with '|'")
    pkt = IfmPacket(version=0)
    for part in text[:-1].split("|"):
        if "#" in part:
            key, _, nums = part.partition("#")
            vals = tuple(float(x) for x in nums.split(","))
            if key == "=head" and len(vals) == 6:
                pkt.head = vals
            elif key == "rightEye" and len(vals) == 3:
                pkt.right_eye = vals
            elif key == "leftEye" and len(vals) == 3:
                pkt.left_eye = vals
            else:
                raise ValueError(f"bad pose field {part!r}")
            continue
        if "&" in part:
            version, (name, _, value) = 2, part.partition("&")
        else:
            version, (name, _, value) = 1, part.partition("-")
        if not name or not value:
            raise ValueError(f"bad blendshape field {part!r}")
        if pkt.version and pkt.version != version:
            raise ValueError("mixed v1 '-' and v2 '&' separators")
        pkt.version = version
        if name == "trackingStatus":
            pkt.tracking = int(value)
        else:
            pkt.blendshapes[name] = int(value)
    return pkt
