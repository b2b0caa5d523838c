"""The typed, immutable values that flow through the pipeline: source -> tracker -> filter -> mapper -> outputs.

Hot-path data lives in fixed-order numpy arrays (blendshapes in ``ARKIT_NAMES`` order); dicts only appear at the
edges (JSON, CLI, profiles). Conventions for axes, signs and Left/Right are documented in ``docs/conventions.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from vtbridge.rotation import euler_to_quaternion

#: The 52 ARKit blendshape names in canonical camelCase, alphabetical order (the order MediaPipe reports its 51).
#: ``tongueOut`` is part of ARKit but MediaPipe does not estimate it: it is always 0 in frames from the tracker.
#: "Left"/"Right" follow ARKit: the subject's own left/right (``eyeBlinkLeft`` = the subject's left eye, which
#: appears on the right half of an unmirrored camera image).
ARKIT_NAMES: tuple[str, ...] = (
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight",
    "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker",
    "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight", "tongueOut",
)
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_NAMES)}
#: Channels the tracker never estimates (kept in the canonical set at 0 so downstream layouts stay fixed).
UNTRACKED: frozenset[str] = frozenset({"tongueOut"})


def _mirror_name(name: str) -> str:
    if "Left" in name:
        return name.replace("Left", "Right")
    if "Right" in name:
        return name.replace("Right", "Left")
    return name


#: ``MIRROR_PERMUTATION[i]`` is the index whose value lands at ``i`` when the image is mirrored (Left <-> Right).
#: Horizontal-direction pairs also swap meaning: ``jawLeft`` <-> ``jawRight``, ``mouthLeft`` <-> ``mouthRight``
#: are already covered by the name swap, as are eye look in/out (each eye keeps its in/out sense).
MIRROR_PERMUTATION: np.ndarray = np.array([ARKIT_INDEX[_mirror_name(n)] for n in ARKIT_NAMES], dtype=np.intp)

NUM_LANDMARKS = 478


@dataclass(frozen=True)
class Frame:
    """One image from a source. ``image`` is BGR uint8 (OpenCV order); ``t`` is the capture time in seconds on the
    source's clock (monotonic for cameras, media time for files); ``index`` counts frames from 0."""

    image: np.ndarray = field(repr=False)
    t: float
    index: int
    source: str

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.image.shape[:2]
        return w, h


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees and position in centimetres, in the camera frame (see docs/conventions.md).

    yaw > 0: the subject turns to their own left; pitch > 0: looks up; roll > 0: the head tilts toward the
    subject's own right shoulder (counter-clockwise in the unmirrored image). Position: x to the image's right,
    y up, z toward the camera (a face in front of the camera has z < 0).
    """

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0

    @property
    def quaternion(self) -> tuple[float, float, float, float]:
        """Rotation as a unit quaternion (x, y, z, w) in the same right-handed camera frame."""
        return euler_to_quaternion(self.yaw, self.pitch, self.roll)

    def as_dict(self) -> dict[str, float]:
        return {"yaw": self.yaw, "pitch": self.pitch, "roll": self.roll, "x": self.x, "y": self.y, "z": self.z}


@dataclass(frozen=True)
class Gaze:
    """Per-eye gaze direction in degrees, relative to the head. yaw > 0: toward the subject's own left;
    pitch > 0: up. "left" is the subject's own left eye."""

    left_yaw: float = 0.0
    left_pitch: float = 0.0
    right_yaw: float = 0.0
    right_pitch: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {"left_yaw": self.left_yaw, "left_pitch": self.left_pitch,
                "right_yaw": self.right_yaw, "right_pitch": self.right_pitch}


NEUTRAL_HEAD = HeadPose()
NEUTRAL_GAZE = Gaze()


def neutral_blendshapes() -> np.ndarray:
    return np.zeros(len(ARKIT_NAMES), dtype=np.float32)


@dataclass(frozen=True, eq=False)
class FaceFrame:
    """What the tracker knows about the face in one frame.

    ``blendshapes``: float32 array of ``len(ARKIT_NAMES)`` in canonical order, values in [0, 1].
    ``landmarks``: float32 (478, 3) normalised image coordinates (x, y in [0, 1] from the top-left, z relative
    depth in roughly the same scale as x), or ``None`` when no face was found.
    ``image_size``: (width, height) of the analysed image, to turn normalised landmarks into pixels.
    """

    t: float
    found: bool
    blendshapes: np.ndarray = field(repr=False)
    head: HeadPose = NEUTRAL_HEAD
    gaze: Gaze = NEUTRAL_GAZE
    landmarks: np.ndarray | None = field(default=None, repr=False)
    image_size: tuple[int, int] = (0, 0)
    index: int = 0
    voice: "VoiceFrame | None" = None  # the newest microphone analysis, joined just before the mapper

    def blendshape(self, name: str) -> float:
        return float(self.blendshapes[ARKIT_INDEX[name]])

    def blendshape_dict(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(ARKIT_NAMES, self.blendshapes)}

    @property
    def landmarks_px(self) -> np.ndarray | None:
        """Landmarks in pixel coordinates (x, y) of the analysed image."""
        if self.landmarks is None:
            return None
        w, h = self.image_size
        return self.landmarks[:, :2] * np.array([w, h], dtype=np.float32)

    def with_(self, **changes) -> "FaceFrame":
        return replace(self, **changes)

    def to_json(self) -> dict:
        """The per-frame JSON object written by ``vtbridge track``."""
        return {
            "t": round(self.t, 6),
            "face": bool(self.found),
            "blendshapes": {n: round(float(v), 5) for n, v in zip(ARKIT_NAMES, self.blendshapes)},
            "head": {k: round(v, 4) for k, v in self.head.as_dict().items()},
            "gaze": {k: round(v, 4) for k, v in self.gaze.as_dict().items()},
        }


@dataclass(frozen=True)
class VoiceFrame:
    """What the microphone says about the mouth in one 16 ms audio hop (see ``vtbridge.audio``).

    ``a i u e o silence`` are weights in [0, 1] that sum to 1 (silence takes what the noise gate closes);
    ``volume`` is the loudness above the gate in [0, 1] and ``mix`` how far the mouth should follow the voice
    rather than the camera (VTube Studio's rule: in proportion to loudness, times the mix strength).
    ``t`` is the audio clock (monotonic for a microphone, media time for a file); ``at`` is ``time.monotonic()``
    when the analysis finished, to measure audio -> packet latency.
    """

    t: float
    volume_db: float
    volume: float
    a: float = 0.0
    i: float = 0.0
    u: float = 0.0
    e: float = 0.0
    o: float = 0.0
    silence: float = 1.0
    mix: float = 0.0
    at: float = 0.0

    @property
    def open(self) -> float:
        """How open the voice says the mouth is: each vowel weighted by its typical jaw opening."""
        return min(1.0, self.a + 0.75 * self.e + 0.8 * self.o + 0.4 * self.i + 0.35 * self.u)

    def to_json(self) -> dict:
        """The per-frame object written by ``vtbridge voice``."""
        return {"t": round(self.t, 4), "volume_db": round(self.volume_db, 2), "a": round(self.a, 4),
                "i": round(self.i, 4), "u": round(self.u, 4), "e": round(self.e, 4), "o": round(self.o, 4),
                "silence": round(self.silence, 4)}


def empty_face(t: float, index: int = 0, image_size: tuple[int, int] = (0, 0)) -> FaceFrame:
    """A frame with no face: neutral values, ``found=False``."""
    return FaceFrame(t=t, found=False, blendshapes=neutral_blendshapes(), image_size=image_size, index=index)


def deg(rad: float) -> float:
    return rad * 180.0 / math.pi


@dataclass(frozen=True, eq=False)
class MappedFrame:
    """A FaceFrame plus the values a mapping profile computed from it (one float per profile output, in the
    profile's output order). This is what outputs receive."""

    face: FaceFrame
    names: tuple[str, ...]
    values: np.ndarray = field(repr=False)  # float32, len(names)
    profile: str = ""

    def as_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.values)}
