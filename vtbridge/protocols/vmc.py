"""VMC protocol (Performer -> Marionette) message building, sans I/O.

Per frame: ``/VMC/Ext/Root/Pos``, ``/VMC/Ext/Bone/Pos`` for Neck, Head, LeftEye, RightEye, ``/VMC/Ext/OK``,
``/VMC/Ext/T``, one ``/VMC/Ext/Blend/Val`` per profile output, then ``/VMC/Ext/Blend/Apply`` last, packed in order
into bundles of at most ``max_datagram`` bytes (so Apply is the last message of the last datagram).

The frame is the avatar's own motion: the mirror/camera ``view`` has already been applied to it
(``vtbridge.signal.view``), so this module has one conversion, documented in ``docs/conventions-vmc.md``: a rotation
quaternion (x, y, z, w) in the right-handed camera frame becomes the Unity (left-handed, avatar-local) quaternion
(x, -y, -z, w) (the frame's own left is the avatar's own left). Eye bones are scaled and limited like UniVRM's
LookAt bone curve so that receivers that write them straight to the model (EVMC4U) stay within the model's range.
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

#: UniVRM's default LookAt bone curve (``CurveMapper(90, 10)`` in VRMLookAtBoneApplyer / VRM10ObjectLookAt) never
#: turns an eye bone past 10 degrees; models are authored for that. We map our full gaze range (about 30 degrees,
#: ``vtbridge.tracking.gaze``) onto it, so the eyes use the whole range the model was made for and never more.
EYE_LIMIT_DEG = 10.0
EYE_RANGE_DEG = 30.0


@dataclass(frozen=True)
class VmcOptions:
    """How a MappedFrame becomes VMC messages (see docs/conventions-vmc.md)."""

    neck_ratio: float = 0.3  # share of the head rotation given to the Neck bone; Head gets the rest
    eyes: bool = True  # send LeftEye/RightEye bones from frame.face.gaze
    position_scale: float = 0.0  # root translation per unit of head translation; 0 = root stays at the origin
    position_origin_cm: Vec3 = (0.0, 0.0, -50.0)  # head position (camera frame, cm) that maps to the origin
    bundled: bool = True  # False: every message is its own datagram (no bundles)
    bone_offsets: dict[str, Vec3] = field(default_factory=lambda: dict(DEFAULT_BONE_OFFSETS))
    eye_limit: float = EYE_LIMIT_DEG  # largest eye-bone rotation sent, degrees (each of yaw and pitch)
    eye_range: float = EYE_RANGE_DEG  # gaze angle (degrees) that reaches ``eye_limit``; scaled linearly below it

    def __post_init__(self):
        if not 0.0 <= self.neck_ratio <= 1.0:
            raise OutputError(f"VMC neck_ratio {self.neck_ratio} is outside 0..1; use e.g. 0.3")
        if not (0.0 <= self.eye_limit <= 90.0 and 0.0 < self.eye_range <= 90.0):
            raise OutputError(f"VMC eye_limit {self.eye_limit} / eye_range {self.eye_range} must be within 0..90 "
                              "degrees (eye_range above 0); use e.g. 10 and 30")


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


def to_unity(q: Quat) -> Quat:
    """Camera-frame rotation -> Unity avatar-local rotation (avatar facing the camera): conjugation by the
    reflection x -> -x, i.e. (x, -y, -z, w); the frame's own left becomes the avatar's own left."""
    x, y, z, w = q
    return (x, -y, -z, w)


def from_unity(q: Quat) -> Quat:
    """Inverse of :func:`to_unity` (the mapping is its own inverse)."""
    return to_unity(q)


def to_unity_position(v_cm: Vec3, origin_cm: Vec3, scale: float) -> Vec3:
    """Camera-frame head position (cm) -> Unity avatar-frame offset (m), relative to ``origin_cm``."""
    k = scale / 100.0
    dx, dy, dz = ((v_cm[0] - origin_cm[0]) * k, (v_cm[1] - origin_cm[1]) * k, (v_cm[2] - origin_cm[2]) * k)
    return (-dx, dy, dz)


def head_bones(head: HeadPose, options: VmcOptions) -> tuple[Quat, Quat]:
    """Unity local rotations (Neck, Head): the head rotation split so that Neck * Head = the whole rotation."""
    q = to_unity(camera_quaternion(head.yaw, head.pitch, head.roll))
    neck = qpow(q, options.neck_ratio)
    return neck, qpow(q, 1.0 - options.neck_ratio)


def eye_angle(degrees: float, options: VmcOptions) -> float:
    """One gaze angle -> eye-bone angle: linear up to ``eye_range``, never beyond ``eye_limit`` (NaN -> 0)."""
    if not math.isfinite(degrees):
        return 0.0
    v = degrees * options.eye_limit / options.eye_range
    return max(-options.eye_limit, min(options.eye_limit, v))


def eye_bones(gaze: Gaze, options: VmcOptions) -> tuple[Quat, Quat]:
    """Unity local rotations (LeftEye bone, RightEye bone) from the per-eye gaze, scaled and limited."""
    left = to_unity(camera_quaternion(eye_angle(gaze.left_yaw, options), eye_angle(gaze.left_pitch, options), 0.0))
    right = to_unity(camera_quaternion(eye_angle(gaze.right_yaw, options), eye_angle(gaze.right_pitch, options),
                                       0.0))
    return left, right


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
    out += [_OK, _TIME]
    out += [Template.build("/VMC/Ext/Blend/Val", "sf", n) for n in names]
    out.append(_APPLY)  # last: receivers that collect values until Apply (UniVRM's proxy) see the whole frame
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
        self._t0: float | None = None  # time of the first frame: /VMC/Ext/T counts from the stream's start

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

    def stream_time(self, t: float) -> float:
        """Seconds since this encoder's first frame: /VMC/Ext/T is float32, so an absolute clock (days of
        ``time.monotonic()``) would lose its sub-millisecond steps."""
        if self._t0 is None or t < self._t0:
            self._t0 = t
        return t - self._t0

    def values(self, frame: MappedFrame) -> list:
        """All numeric arguments of the frame, in message order (root, bones, OK, T, blend values)."""
        o = self.options
        face = frame.face
        root_pos = (0.0, 0.0, 0.0)
        if o.position_scale:
            h = face.head
            root_pos = to_unity_position((h.x, h.y, h.z), o.position_origin_cm, o.position_scale)
        vals: list = [*root_pos, *IDENTITY]
        neck, head = head_bones(face.head, o)
        rots = [neck, head]
        if o.eyes:
            rots += eye_bones(face.gaze, o)
        for offset, q in zip(self._offsets, rots):
            vals += offset
            vals += q
        vals += (LOADED, CALIBRATED, CALIBRATION_MODE_NORMAL, 1 if face.found else 0, self.stream_time(face.t))
        vals += frame.values.tolist()
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
