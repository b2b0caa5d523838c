"""Neutral-face calibration: the user's resting face maps to 0 and weak channels can reach 1.

Capture: ``CalibrationRecorder`` collects ~2 s of found faces while the user relaxes and looks at the screen, then
``finish()`` takes per-channel medians (robust to a blink) as the baseline and the median head pose/gaze as the
neutral pose. Apply: ``apply_calibration`` is a pure function of (FaceFrame, Calibration):

    value' = clamp((value - baseline) / (1 - baseline) * gain, 0, 1)
    head'  = head - neutral head (angles, x and y; z stays the distance to the camera), gaze' = gaze - neutral

Default gains lift the channels MediaPipe rarely drives to 1 (eyeWide, cheekPuff, noseSneer, ...). Calibrations are
stored as JSON in the user config dir, one file per camera/source id, written atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtbridge import paths
from vtbridge.errors import ConfigError
from vtbridge.fsutil import write_json_atomic
from vtbridge.frames import ARKIT_INDEX, ARKIT_NAMES, FaceFrame, Gaze, HeadPose
from vtbridge.jsonread import loads as strict_json

#: Channels MediaPipe under-reports on most faces, with the gain that lets a deliberate expression reach ~1.
DEFAULT_GAINS: dict[str, float] = {
    "eyeWideLeft": 3.0, "eyeWideRight": 3.0, "cheekPuff": 4.0, "cheekSquintLeft": 2.0, "cheekSquintRight": 2.0,
    "noseSneerLeft": 3.0, "noseSneerRight": 3.0, "jawForward": 3.0, "jawLeft": 2.0, "jawRight": 2.0,
    "mouthLeft": 2.0, "mouthRight": 2.0, "browOuterUpLeft": 1.5, "browOuterUpRight": 1.5,
}


def default_gains() -> np.ndarray:
    g = np.ones(len(ARKIT_NAMES), dtype=np.float32)
    for name, value in DEFAULT_GAINS.items():
        g[ARKIT_INDEX[name]] = value
    return g


@dataclass(frozen=True, eq=False)
class Calibration:
    baseline: np.ndarray = field(default_factory=lambda: np.zeros(len(ARKIT_NAMES), np.float32))
    gain: np.ndarray = field(default_factory=default_gains)
    head: HeadPose = HeadPose()
    gaze: Gaze = Gaze()
    samples: int = 0
    source: str = ""

    @property
    def calibrated(self) -> bool:
        return self.samples > 0

    def to_json(self) -> dict:
        return {"version": 1, "source": self.source, "samples": self.samples,
                "baseline": {n: round(float(v), 6) for n, v in zip(ARKIT_NAMES, self.baseline)},
                "gain": {n: round(float(v), 4) for n, v in zip(ARKIT_NAMES, self.gain)},
                "head": self.head.as_dict(), "gaze": self.gaze.as_dict()}

    @classmethod
    def from_json(cls, data: dict, where: str = "calibration") -> "Calibration":
        try:
            baseline = np.zeros(len(ARKIT_NAMES), np.float32)
            gain = default_gains()
            for n, v in data.get("baseline", {}).items():
                baseline[ARKIT_INDEX[n]] = float(v)
            for n, v in data.get("gain", {}).items():
                gain[ARKIT_INDEX[n]] = float(v)
            return cls(baseline=np.clip(baseline, 0.0, 0.95), gain=np.clip(gain, 0.0, 20.0),
                       head=HeadPose(**{k: float(v) for k, v in data.get("head", {}).items()}),
                       gaze=Gaze(**{k: float(v) for k, v in data.get("gaze", {}).items()}),
                       samples=int(data.get("samples", 0)), source=str(data.get("source", "")))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{where}: invalid calibration data ({exc}); run `vtbridge calibrate` again or delete "
                              f"the file") from None


NO_CALIBRATION = Calibration()


def apply_calibration(face: FaceFrame, cal: Calibration) -> FaceFrame:
    """Pure: the calibrated copy of ``face``. A frame without a face passes through unchanged."""
    if not face.found:
        return face
    span = np.maximum(1.0 - cal.baseline, 0.05)
    blend = np.clip((face.blendshapes - cal.baseline) / span * cal.gain, 0.0, 1.0).astype(np.float32)
    h, n = face.head, cal.head
    # z is kept absolute: outputs map the distance to the camera (VTube Studio's FacePositionZ, zoom effects)
    head = HeadPose(h.yaw - n.yaw, h.pitch - n.pitch, h.roll - n.roll, h.x - n.x, h.y - n.y, h.z)
    g, ng = face.gaze, cal.gaze
    gaze = Gaze(g.left_yaw - ng.left_yaw, g.left_pitch - ng.left_pitch,
                g.right_yaw - ng.right_yaw, g.right_pitch - ng.right_pitch)
    return face.with_(blendshapes=blend, head=head, gaze=gaze)


class CalibrationRecorder:
    """Collects found faces for ``duration`` seconds of frame time; ``done`` tells when enough were seen."""

    def __init__(self, duration: float = 2.0, source: str = "", gain: np.ndarray | None = None) -> None:
        self.duration, self.source = duration, source
        self.gain = default_gains() if gain is None else gain
        self._frames: list[FaceFrame] = []
        self._t0: float | None = None

    def add(self, face: FaceFrame) -> None:
        if self._t0 is None:
            self._t0 = face.t
        if face.found:
            self._frames.append(face)

    @property
    def progress(self) -> float:
        if self._t0 is None or not self._frames:
            return 0.0
        return min(1.0, (self._frames[-1].t - self._t0) / self.duration)

    @property
    def done(self) -> bool:
        return self.progress >= 1.0 and len(self._frames) >= 5

    def finish(self) -> Calibration:
        if len(self._frames) < 5:
            raise ConfigError(f"calibration needs a visible face: saw {len(self._frames)} frames with a face; face "
                              f"the camera in good light and try again")
        b = np.median(np.stack([f.blendshapes for f in self._frames]), axis=0).astype(np.float32)
        heads = np.array([[f.head.yaw, f.head.pitch, f.head.roll, f.head.x, f.head.y, f.head.z]
                          for f in self._frames])
        gazes = np.array([[f.gaze.left_yaw, f.gaze.left_pitch, f.gaze.right_yaw, f.gaze.right_pitch]
                          for f in self._frames])
        hm, gm = np.median(heads, axis=0), np.median(gazes, axis=0)
        return Calibration(baseline=np.clip(b, 0.0, 0.95), gain=self.gain, head=HeadPose(*map(float, hm)),
                           gaze=Gaze(*map(float, gm)), samples=len(self._frames), source=self.source)


def calibration_path(source: str) -> Path:
    """One file per source id ("camera:0", a file path...) under the user config dir."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("_")[-80:] or "default"
    return paths.user_config_dir() / "calibration" / f"{slug}.json"


def save_calibration(cal: Calibration, source: str | None = None) -> Path:
    path = calibration_path(source or cal.source)
    write_json_atomic(path, cal.to_json())
    return path


def load_calibration(source: str) -> Calibration:
    """The stored calibration for ``source``, or NO_CALIBRATION when there is none."""
    path = calibration_path(source)
    if not path.exists():
        return NO_CALIBRATION
    try:
        data = strict_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable calibration ({exc}); run `vtbridge calibrate` again or delete the "
                          f"file") from None
    return Calibration.from_json(data, str(path))
