"""VMC protocol (Performer -> Marionette) message building, sans I/O.

Per frame: ``/VMC/Ext/Root/Pos``, ``/VMC/Ext/Bone/Pos`` for Neck, Head, LeftEye, RightEye, one
``/VMC/Ext/Blend/Val`` per profile output, then ``/VMC/Ext/Blend/Apply``, ``/VMC/Ext/OK`` and ``/VMC/Ext/T``,
packed into bundles of at most ``max_datagram`` bytes (Apply is always in the last one).

Coordinates, the head/neck split and the mirror option are documented in ``docs/conventions-vmc.md``. In short:
a rotation quaternion (x, y, z, w) in the right-handed camera frame becomes the Unity (left-handed, avatar-local)
quaternion (x, -y, -z, w) by default (anatomical: the user's own left is the avatar's own left), and stays
(x, y, z, w) with ``mirror=True`` (the avatar moves like the user's reflection; eye bones and Left/Right blendshape
names swap sides too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vtbridge.errors import OutputError
from vtbridge.frames import Gaze, HeadPose, MappedFrame
from vtbridge.protocols.osc import Layout, OscError, Template, split_templates

Quat = tuple[float, float, float, float]  # x, y, z, w
Vec3 = tuple[float, float, float]

IDENTITY: Quat = (0.0, 0.0, 0.0, 1.0)
BONES = ("Neck", "Head", "LeftEye", "RightEye")

#: Approximate local bone positions (metres, Unity avatar frame) of a ~1.6 m VRM. Receivers that apply bone
#: positions (EVMC4U's BonePositionSynchronize) need non-zero values or the bones collapse onto their parents.
DEFAULT_BONE_OFFSETS: dict[str, Vec3] = {
    "Neck": (0.0, 0.10, -0.01),
    "Head": (0.0, 0.08, 0.01),
    "LeftEye": (-0.03, 0.06, 0.05),
    "RightEye": (0.03, 0.06, 0.05),
}

# OK arguments (protocol.vmc.info, V2.7): loaded, calibration state (3 = calibrated), calibration mode (0 = normal),
# tracking status (1 = ok, 0 = lost).
LOADED = 1
CALIBRATED = 3
CALIBRATION_MODE_NORMAL = 0


@dataclass(frozen=True)
class VmcOptions:
    """How a MappedFrame becomes VMC messages (see docs/conventions-vmc.md)."""

    mirror: bool = False  # True: avatar acts as the user's reflection (left/right swapped)
    neck_ratio: float = 0.3  # share of the head rotation given to the Neck bone; Head gets the rest
    eyes: bool = True  # send LeftEye/RightEye bones from frame.face.gaze
    position_scale: float = 0.0  # root translation per unit of head translation; 0 = root stays at the origin
    position_origin_cm: Vec3 = (0.0, 0.0, -50.0)  # head position (camera frame, cm) that maps to the origin
    bundled: bool = True  # False: every message is its own datagram (no bundles)
    bone_offsets: dict[str, Vec3] = field(default_factory=lambda: dict(DEFAULT_BONE_OFFSETS))

    def __post_init__(self):
        if not 0.0 <= self.neck_ratio <= 1.0:
            raise OutputError(f"VMC neck_ratio {self.neck_ratio} is outside 0..1; use e.g. 0.3")


# ---------------------------------------------------------------------------------------------------------------
# Quaternion helpers (pure Python: faster than numpy for single rotations)


def qmul(a: Quat, b: Quat) -> Quat:
    """Hamilton product a*b (apply b, then a), (x, y, z, w) order."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def qaxis(axis: int, degrees: float) -> Quat:
    """Rotation of ``degrees`` about the x (0), y (1) or z (2) axis (right-hand rule in a right-handed frame)."""
    h = math.radians(degrees) * 0.5
    s, c = math.sin(h), math.cos(h)
    return (s, 0.0, 0.0, c) if axis == 0 else (0.0, s, 0.0, c) if axis == 1 else (0.0, 0.0, s, c)


def camera_quaternion(yaw: float, pitch: float, roll: float) -> Quat:
    """Camera-frame rotation Ry(yaw) Rx(-pitch) Rz(roll), the convention of ``vtbridge.tracking.pose``."""
    return qmul(qmul(qaxis(1, yaw), qaxis(0, -pitch)), qaxis(2, roll))


def qpow(q: Quat, t: float) -> Quat:
    """q raised to ``t`` (the same axis, ``t`` times the angle); shortest arc."""
    x, y, z, w = q
    if w < 0.0:
        x, y, z, w = -x, -y, -z, -w
    s = math.sqrt(x * x + y * y + z * z)
    if s < 1e-12:
        return IDENTITY
    half = math.atan2(s, w) * t
    k = math.sin(half) / s
    return (x * k, y * k, z * k, math.cos(half))


def qrotate(q: Quat, v: Vec3) -> Vec3:
    """Rotate vector ``v`` by unit quaternion ``q`` (same formula in Unity's left-handed frame)."""
    x, y, z, w = q
    vx, vy, vz = v
    # t = 2 * cross(q.xyz, v); v' = v + w t + cross(q.xyz, t)
    tx, ty, tz = 2 * (y * vz - z * vy), 2 * (z * vx - x * vz), 2 * (x * vy - y * vx)
    return (vx + w * tx + y * tz - z * ty, vy + w * ty + z * tx - x * tz, vz + w * tz + x * ty - y * tx)


def to_unity(q: Quat, mirror: bool = False) -> Quat:
    """Camera-frame rotation -> Unity avatar-local rotation (avatar facing the camera).

    Anatomical (default): conjugation by the reflection x -> -x, i.e. (x, -y, -z, w). Mirror: unchanged.
    """
    x, y, z, w = q
    return q if mirror else (x, -y, -z, w)


def from_unity(q: Quat, mirror: bool = False) -> Quat:
    """Inverse of :func:`to_unity` (the mapping is its own inverse)."""
    return to_unity(q, mirror)


def to_unity_position(v_cm: Vec3, origin_cm: Vec3, scale: float, mirror: bool = False) -> Vec3:
    """Camera-frame head position (cm) -> Unity avatar-frame offset (m), relative to ``origin_cm``."""
    k = scale / 100.0
    dx, dy, dz = ((v_cm[0] - origin_cm[0]) * k, (v_cm[1] - origin_cm[1]) * k, (v_cm[2] - origin_cm[2]) * k)
    return (dx if mirror else -dx, dy, dz)


def mirror_name(name: str) -> str:
    """Swap the side of a blendshape name: Left <-> Right, and a trailing _L <-> _R."""
    if "Left" in name:
        return name.replace("Left", "Right")
    if "Right" in name:
        return name.replace("Right", "Left")
    if name.endswith(("_L", "_R")):
        return name[:-1] + ("R" if name[-1] == "L" else "L")
    return name


def head_bones(head: HeadPose, options: VmcOptions) -> tuple[Quat, Quat]:
    """Unity local rotations (Neck, Head): the head rotation split so that Neck * Head = the whole rotation."""
    q = to_unity(camera_quaternion(head.yaw, head.pitch, head.roll), options.mirror)
    neck = qpow(q, options.neck_ratio)
    return neck, qpow(q, 1.0 - options.neck_ratio)


def eye_bones(gaze: Gaze, options: VmcOptions) -> tuple[Quat, Quat]:
    """Unity local rotations (LeftEye bone, RightEye bone) from the subject's per-eye gaze."""
    left = to_unity(camera_quaternion(gaze.left_yaw, gaze.left_pitch, 0.0), options.mirror)
    right = to_unity(camera_quaternion(gaze.right_yaw, gaze.right_pitch, 0.0), options.mirror)
    return (right, left) if options.mirror else (left, right)


# ---------------------------------------------------------------------------------------------------------------
# Message layout

_ROOT = Template.build("/VMC/Ext/Root/Pos", "sfffffff", "root")
_APPLY = Template.build("/VMC/Ext/Blend/Apply", "")
_OK = Template.build("/VMC/Ext/OK", "iiii")
_TIME = Template.build("/VMC/Ext/T", "f")


def _templates(names: tuple[str, ...], options: VmcOptions) -> list[Template]:
    bones = BONES if options.eyes else BONES[:2]
    out = [_ROOT]
    out += [Template.build("/VMC/Ext/Bone/Pos", "sfffffff", b) for b in bones]
    sent = [mirror_name(n) for n in names] if options.mirror else list(names)
    out += [Template.build("/VMC/Ext/Blend/Val", "sf", n) for n in sent]
    out += [_APPLY, _OK, _TIME]
    return out


class VmcEncoder:
    """Builds the datagrams of one frame; caches the packed layout per profile (names tuple).

    Use one encoder per output: ``encoder.encode(frame) -> list[bytes]``.
    """

    def __init__(self, options: VmcOptions | None = None, *, max_datagram: int = 1200):
        self.options = options or VmcOptions()
        self.max_datagram = max_datagram
        self._names: tuple[str, ...] | None = None
        self._layouts: list[Layout] = []
        self._offsets = [self.options.bone_offsets.get(b, (0.0, 0.0, 0.0)) for b in BONES]

    def _layout(self, names: tuple[str, ...]) -> list[Layout]:
        if names != self._names:
            templates = _templates(names, self.options)
            try:
                if self.options.bundled:
                    chunks = split_templates(templates, self.max_datagram)
                    layouts = [Layout(c) for c in chunks]
                else:
                    layouts = [Layout([t], bundled=False) for t in templates]
            except OscError as e:
                raise OutputError(f"VMC output: {e}; shorten the profile's output names") from e
            if not self.options.bundled and max(x.size for x in layouts) > self.max_datagram:
                raise OutputError(f"VMC output: a message exceeds {self.max_datagram} bytes; shorten the names")
            self._names, self._layouts = names, layouts
        return self._layouts

    def values(self, frame: MappedFrame) -> list:
        """All numeric arguments of the frame, in message order (root, bones, blend values, OK, T)."""
        o = self.options
        face = frame.face
        root_pos = (0.0, 0.0, 0.0)
        if o.position_scale:
            h = face.head
            root_pos = to_unity_position((h.x, h.y, h.z), o.position_origin_cm, o.position_scale, o.mirror)
        vals: list = [*root_pos, *IDENTITY]
        neck, head = head_bones(face.head, o)
        rots = [neck, head]
        if o.eyes:
            rots += eye_bones(face.gaze, o)
        for offset, q in zip(self._offsets, rots):
            vals += offset
            vals += q
        vals += frame.values.tolist()
        vals += (LOADED, CALIBRATED, CALIBRATION_MODE_NORMAL, 1 if face.found else 0, float(face.t))
        return vals

    def encode(self, frame: MappedFrame) -> list[bytes]:
        layouts = self._layout(tuple(frame.names))
        vals = self.values(frame)
        out = []
        k = 0
        for layout in layouts:
            n = layout.n_values
            out.append(layout.pack(vals[k:k + n]))
            k += n
        return out

    __call__ = encode


def build_vmc_datagrams(frame: MappedFrame, *, max_datagram: int = 1200,
                        options: VmcOptions | None = None) -> list[bytes]:
    """The datagrams for one frame (convenience; outputs keep a :class:`VmcEncoder` to reuse its layout)."""
    return VmcEncoder(options, max_datagram=max_datagram).encode(frame)
