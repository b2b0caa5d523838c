"""Ports of real receivers' parsing rules, written from reading their public source (facts only, see
docs/receivers.md), so the outputs are checked against what the receiving apps do, not against our own maths.

Geometry of a receiving app: the avatar faces the viewer; its local axes are Unity's (x = the avatar's own right,
y up, z its forward, left-handed). On screen the avatar's own right is the viewer's LEFT, so a local direction
(x, y, z) appears at screen-x = -x (positive = toward screen-right).

Unity's rotation conventions are re-implemented here from Unity's documentation with plain matrices (not with
vtbridge's quaternion helpers): Quaternion.Euler(x, y, z) applies z about Z, then x about X, then y about Y; a
positive angle about Y turns +Z toward +X, about X turns +Z toward -Y, about Z turns +X toward +Y.
"""

from __future__ import annotations

import math
import socket
from dataclasses import dataclass, field

import numpy as np

IFM_HANDSHAKE = b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719"
IFM_HANDSHAKE_V2 = IFM_HANDSHAKE + b"|sendDataVersion=v2"


def unity_rx(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def unity_ry(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def unity_rz(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def unity_euler(x: float, y: float, z: float) -> np.ndarray:
    """Quaternion.Euler(x, y, z) as a matrix: Z first, then X, then Y."""
    return unity_ry(y) @ unity_rx(x) @ unity_rz(z)


def quat_matrix(q) -> np.ndarray:
    """Rotation matrix of a unit quaternion (x, y, z, w), Unity's formula (the same algebra as Hamilton's)."""
    x, y, z, w = (float(v) for v in q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


REFLECT_X = np.diag([-1.0, 1.0, 1.0])


def screen_x(local_dir: np.ndarray) -> float:
    """Where a direction in the avatar's local frame points on screen (positive: toward screen-right)."""
    return -float(local_dir[0])


# ---- VMagicMirror (malaybaku/VMagicMirror) ------------------------------------------------------------------------
@dataclass
class VMagicMirrorFace:
    """What VMagicMirror's iFacialMocapReceiver keeps: blendshapes by iFacialMocap name (0..1) and the head Euler."""

    blendshapes: dict[str, float] = field(default_factory=dict)
    head_euler: tuple[float, float, float] | None = None

    def head_rotation(self) -> np.ndarray:
        """ExternalTrackerFaceAttitudeController: Quaternion.Euler(head) with its y and z negated (its comment:
        mirror inversion), i.e. the reflection M R M with M = diag(-1, 1, 1), applied to the avatar's neck/head."""
        r = unity_euler(*self.head_euler)
        return REFLECT_X @ r @ REFLECT_X

    def nose_screen_x(self) -> float:
        return screen_x(self.head_rotation() @ np.array([0.0, 0.0, 1.0]))

    def closed_eye_screen_side(self) -> float:
        """Screen side (+1 right, -1 left) of the eye this data closes more: LeftBlink drives the avatar's own
        left eye, which the viewer sees on the right."""
        left, right = self.blendshapes.get("eyeBlink_L", 0.0), self.blendshapes.get("eyeBlink_R", 0.0)
        return float(np.sign(left - right))


def vmagicmirror_parse(text: str, face: VMagicMirrorFace) -> None:
    """VMagicMirror's v1-only parse (DeserializeMessageWithLessGcAlloc): spaces removed; exactly one '='; before
    it, '|'-separated items whose key/value are split at a '-' and parsed as an integer percent; after it, the
    "head" item's first three numbers. A v2 item ("name&50") has no '-' and is silently skipped."""
    msg = text.replace(" ", "")
    if msg.count("=") != 1 or msg.endswith("="):
        return
    shapes, rotations = msg.split("=")
    for section in shapes.split("|")[:-1]:  # a section counts once its closing '|' is seen
        for j, ch in enumerate(section):
            if ch == "-":
                try:
                    face.blendshapes[section[:j]] = int(section[j + 1:]) * 0.01
                except ValueError:
                    pass
    for item in rotations.split("|"):
        key, sep, nums = item.partition("#")
        if key == "head" and sep:
            parts = nums.split(",")
            face.head_euler = (float(parts[0]), float(parts[1]), float(parts[2]))


class VMagicMirrorReceiver:
    """Binds the receiving port (49983 in the app; any port here), asks the tracker with the v1 handshake, and
    parses every datagram with :func:`vmagicmirror_parse`."""

    version = 1
    handshake = IFM_HANDSHAKE

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(5.0)
        self.face = VMagicMirrorFace()

    @property
    def address(self):
        return self.sock.getsockname()

    def connect(self, tracker: tuple[str, int]) -> None:
        """Like the developer page's example: the handshake leaves from another socket; the stream comes back to
        the bound port (49983 in the app)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
            asker.bind((self.address[0], 0))
            asker.sendto(self.handshake, tracker)

    def receive(self) -> str:
        data, _ = self.sock.recvfrom(65535)
        text = data.decode("ascii")
        vmagicmirror_parse(text, self.face)
        return text

    def close(self) -> None:
        self.sock.close()


# ---- talking-head-anime-3 (pkhungurn/talking-head-anime-3-demo, tha3/mocap/ifacialmocap_v2.py) ----------------------
THA3_BLENDSHAPE_NAMES = (  # ARKit camelCase; THA3 turns a trailing _L/_R into Left/Right and keeps known names
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker",
    "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight", "tongueOut",
)


def tha3_parse_v2(text: str) -> dict:
    """THA3's parse_ifacialmocap_v2_pose: '|'-separated items; an item with '&' is name&value/100 (a trailing _L/_R
    becomes Left/Right, unknown names dropped); "=head#", "rightEye#", "leftEye#" give degrees. An item in v1
    form ("name-50") has no '&' and is ignored."""
    out: dict = {}
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        if "&" in part:
            key, value = part.split("&")
            if key.endswith("_L"):
                key = key[:-2] + "Left"
            elif key.endswith("_R"):
                key = key[:-2] + "Right"
            if key in THA3_BLENDSHAPE_NAMES:
                out[key] = float(value) / 100.0
        elif part.startswith("=head#"):
            out["head"] = tuple(float(x) for x in part[len("=head#"):].split(","))
        elif part.startswith("rightEye#"):
            out["rightEye"] = tuple(float(x) for x in part[len("rightEye#"):].split(","))
        elif part.startswith("leftEye#"):
            out["leftEye"] = tuple(float(x) for x in part[len("leftEye#"):].split(","))
    return out


class Tha3Receiver:
    """THA3's puppeteer: binds its port, sends the v2 handshake, parses v2."""

    version = 2
    handshake = IFM_HANDSHAKE_V2

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(5.0)
        self.pose: dict = {}

    @property
    def address(self):
        return self.sock.getsockname()

    def connect(self, tracker: tuple[str, int]) -> None:
        """THA3 asks from the socket it receives on."""
        self.sock.sendto(self.handshake, tracker)

    def receive(self) -> str:
        data, _ = self.sock.recvfrom(65535)
        text = data.decode("ascii")
        self.pose = tha3_parse_v2(text)
        return text

    def close(self) -> None:
        self.sock.close()


# ---- VRCFaceTracking iFacialMocap module (kusomaigo/VRC_iFacialMocap, src/iFacialMocapServer.cs) -------------------
def vrcft_parse(text: str) -> dict:
    """Its ReadData: split at '|' and drop the FIRST and the last item ([1..^1]); an item with '&' is name&int
    (v2 only), "=head#", "rightEye#", "leftEye#" give numbers; anything else is "Data cropped"."""
    out: dict = {"blends": {}}
    for item in text.split("|")[1:-1]:
        if "&" in item:
            name, value = item.split("&")
            out["blends"][name] = int(value)
        elif "#" in item:
            key, nums = item.split("#")
            out[key] = [float(x) for x in nums.split(",")]
    return out


class VrcftReceiver(Tha3Receiver):
    """Asks with the v2 handshake from a separate client socket and listens on its own port, as the module does."""

    def connect(self, tracker: tuple[str, int]) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as asker:
            asker.bind((self.address[0], 0))
            asker.sendto(self.handshake, tracker)

    def receive(self) -> str:
        data, _ = self.sock.recvfrom(65535)
        text = data.decode("ascii")
        self.pose = vrcft_parse(text)
        return text


# ---- ExpressionAppBridge (DrBomb/ExpressionAppBridge, ExpressionAppBridge/mediapipe/mediapipe.py) -------------------
def expressionappbridge_name(mediapipe_name: str) -> str:
    """Its MediaPipe -> iFacialMocap name table, as a rule: every ...Left becomes ..._R and ...Right ..._L, and the
    direction shapes swap (jawLeft -> jawRight, mouthLeft -> mouthRight); other names stay. (Its comment: "The
    mediapipe parameters seem to be mirrored so Left and Right are mapped opposite"; tuned against VSeeFace.)"""
    if mediapipe_name in ("jawLeft", "jawRight", "mouthLeft", "mouthRight"):
        return mediapipe_name.replace("Left", "#").replace("Right", "Left").replace("#", "Right")
    if mediapipe_name.endswith("Left"):
        return mediapipe_name[:-4] + "_R"
    if mediapipe_name.endswith("Right"):
        return mediapipe_name[:-5] + "_L"
    return mediapipe_name



# ---- EVMC4U (gpsnmeajp/EasyVirtualMotionCaptureForUnity), the reference VMC receiver --------------------------------
@dataclass
class Evmc4uAvatar:
    """What EVMC4U (ExternalReceiver.cs) does with VMC messages: Bone/Pos caches the rotation (x, y, z, w) and
    assigns it to the bone's localRotation, eye bones unfiltered; Blend/Val collects name -> value (EVMC4U lowers
    the name before matching the model's clips; kept as sent here) and Apply hands them to the model."""

    bones: dict[str, tuple] = field(default_factory=dict)
    pending: dict[str, float] = field(default_factory=dict)
    blend: dict[str, float] = field(default_factory=dict)

    def message(self, address: str, args: list) -> None:
        if address == "/VMC/Ext/Bone/Pos":
            self.bones[args[0]] = tuple(args[4:8])
        elif address == "/VMC/Ext/Blend/Val":
            self.pending[args[0]] = args[1]
        elif address == "/VMC/Ext/Blend/Apply":
            self.blend.update(self.pending)
            self.pending.clear()

    def head_rotation(self) -> np.ndarray:
        return quat_matrix(self.bones["Neck"]) @ quat_matrix(self.bones["Head"])

    def nose_screen_x(self) -> float:
        return screen_x(self.head_rotation() @ np.array([0.0, 0.0, 1.0]))

    def eye_screen_x(self) -> float:
        """Mean screen direction of both eye bones relative to the head (EVMC4U writes them straight)."""
        f = np.array([0.0, 0.0, 1.0])
        return 0.5 * (screen_x(quat_matrix(self.bones["LeftEye"]) @ f)
                      + screen_x(quat_matrix(self.bones["RightEye"]) @ f))

    def eye_angles(self) -> list[float]:
        """Each eye bone's rotation angle in degrees."""
        return [math.degrees(2 * math.acos(min(1.0, abs(self.bones[b][3])))) for b in ("LeftEye", "RightEye")]

    def closed_eye_screen_side(self, left: str, right: str) -> float:
        """Screen side of the more-closed eye; ``left``/``right`` are the clips of the avatar's own eyes."""
        return float(np.sign(self.blend.get(left, 0.0) - self.blend.get(right, 0.0)))
