"""Our tracked face -> THA3's 45-value pose, following THA3's own iFacialMocap puppeteer.

THA3's demo app receives iFacialMocap data (ARKit blendshapes + head Euler angles from an iPhone) and converts it
with ``tha3/mocap/ifacialmocap_poser_converter_25.py`` (tha3==0.1.9, MIT). vtbridge tracks the same ARKit
blendshapes, so the rules below are that converter's, value for value, with its defaults (see docs/anime.md for the
table): a smile degree from mouthSmile* + mouthShrugUpper gates angry-vs-happy eyebrows and normal-vs-happy winks;
blinks scale by 1/0.8, eyeWide by 1/0.5, cheekSquint 0.1-0.7 raises the lower eyelid; jawOpen 0.1-0.4 opens the
mouth, and an open mouth is split into A/I/U/O by the same 4-point decomposition (our solver, same targets, bounds
and L1 weight); head pitch ±15°, yaw ±10°, roll ±15° fill head_x, head_y/body_y, neck_z/body_z; breathing is a
cosine at 20 breaths a minute.

What differs, by design: the lower lip follows the jaw (``lower_lip_follows_jaw``; MediaPipe, unlike ARKit,
barely reports mouthLowerDown, so THA3's rule would make every open mouth a small "u"); sides follow ``mirror`` (default: the character's own left is the user's own left, like
the camera image); head angles come from ``FaceFrame.head`` (already calibrated and smoothed by the pipeline);
``body_follow`` scales how much the body follows the head (THA3: 1). Every number is a field of ``AnimeMapping``,
which loads from a JSON file so modders can tune it without code.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from vtbridge.errors import ConfigError
from vtbridge.frames import ARKIT_INDEX, FaceFrame

_GROUPS2 = ("eyebrow_troubled", "eyebrow_angry", "eyebrow_lowered", "eyebrow_raised", "eyebrow_happy",
            "eyebrow_serious", "eye_wink", "eye_happy_wink", "eye_surprised", "eye_relaxed", "eye_unimpressed",
            "eye_raised_lower_eyelid", "iris_small")
#: THA3's pose vector, in order (``tha3/poser/modes/pose_parameters.py``): 12 eyebrow, 27 face, 6 rotation values.
POSE_NAMES: tuple[str, ...] = (
    *(f"{g}_{s}" for g in _GROUPS2 for s in ("left", "right")),
    "mouth_aaa", "mouth_iii", "mouth_uuu", "mouth_eee", "mouth_ooo", "mouth_delta",
    "mouth_lowered_corner_left", "mouth_lowered_corner_right", "mouth_raised_corner_left",
    "mouth_raised_corner_right", "mouth_smirk", "iris_rotation_x", "iris_rotation_y",
    "head_x", "head_y", "neck_z", "body_y", "body_z", "breathing",
)
POSE_INDEX = {n: i for i, n in enumerate(POSE_NAMES)}
EYEBROW_DOWN_MODES = ("angry", "troubled", "lowered", "serious")
WINK_MODES = ("normal", "relaxed")


@dataclass(frozen=True)
class AnimeMapping:
    """Every constant of the face -> pose rules; defaults are THA3's puppeteer's (``IFacialMocapPoseConverter25``)."""

    lower_smile_threshold: float = 0.4
    upper_smile_threshold: float = 0.6
    eyebrow_down_mode: str = "angry"
    wink_mode: str = "normal"
    eye_surprised_max: float = 0.5
    eye_blink_max: float = 0.8
    eyebrow_down_max: float = 0.4
    cheek_squint_min: float = 0.1
    cheek_squint_max: float = 0.7
    eye_rotation_factor: float = 1.0 / 0.75
    jaw_open_min: float = 0.1
    jaw_open_max: float = 0.4
    mouth_frown_max: float = 0.6
    mouth_funnel_min: float = 0.25
    mouth_funnel_max: float = 0.5
    iris_small_left: float = 0.0
    iris_small_right: float = 0.0
    lower_lip_follows_jaw: float = 1.0
    head_pitch_range_deg: float = 15.0
    head_yaw_range_deg: float = 10.0
    head_roll_range_deg: float = 15.0
    body_follow: float = 1.0
    breaths_per_minute: float = 20.0
    mirror: bool = False

    def validate(self, where: str = "anime mapping") -> "AnimeMapping":
        if self.eyebrow_down_mode not in EYEBROW_DOWN_MODES:
            raise ConfigError(f"{where}: eyebrow_down_mode {self.eyebrow_down_mode!r} is not one of "
                              f"{', '.join(EYEBROW_DOWN_MODES)}")
        if self.wink_mode not in WINK_MODES:
            raise ConfigError(f"{where}: wink_mode {self.wink_mode!r} is not one of {', '.join(WINK_MODES)}")
        for lo, hi in (("lower_smile_threshold", "upper_smile_threshold"), ("cheek_squint_min", "cheek_squint_max"),
                       ("jaw_open_min", "jaw_open_max"), ("mouth_funnel_min", "mouth_funnel_max")):
            if not getattr(self, lo) < getattr(self, hi):
                raise ConfigError(f"{where}: {lo} must be below {hi}")
        if not 0 <= self.lower_lip_follows_jaw <= 1:
            raise ConfigError(f"{where}: lower_lip_follows_jaw must be 0 (THA3's rule) to 1")
        for name in ("eye_surprised_max", "eye_blink_max", "eyebrow_down_max", "mouth_frown_max",
                     "head_pitch_range_deg", "head_yaw_range_deg", "head_roll_range_deg"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{where}: {name} must be above 0")
        if not 0 <= self.breaths_per_minute <= 60:
            raise ConfigError(f"{where}: breaths_per_minute must be 0 (off) to 60")
        return self


def load_mapping(path: Path) -> AnimeMapping:
    """An ``AnimeMapping`` from JSON: any subset of its fields; unknown keys and wrong types are one-line errors."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"anime mapping {str(path)!r} not found; write one with `vtbridge anime mapping --out "
                          f"{path}`") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"anime mapping {str(path)!r} is not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"anime mapping {str(path)!r} must be a JSON object of settings")
    data.pop("$comment", None)
    known = {f.name: f for f in fields(AnimeMapping)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"anime mapping {str(path)!r}: unknown setting {key!r}; known: {', '.join(known)}")
        default = getattr(AnimeMapping(), key)
        ok = (isinstance(value, bool) if isinstance(default, bool) else isinstance(value, str)
              if isinstance(default, str) else isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            raise ConfigError(f"anime mapping {str(path)!r}: {key} must be a {type(default).__name__}, "
                              f"not {value!r}")
        values[key] = float(value) if isinstance(default, float) else value
    return replace(AnimeMapping(), **values).validate(f"anime mapping {str(path)!r}")


def mapping_json(mapping: AnimeMapping = AnimeMapping()) -> str:
    return json.dumps({"$comment": "vtbridge anime mapping (THA3 puppeteer rules); see docs/anime.md",
                       **asdict(mapping)}, indent=2) + "\n"


# --- the A/I/U/O split of an open mouth -----------------------------------------------------------------------------

#: THA3's mouth targets: rows aaa, iii, uuu, ooo; columns (mouth open, lower lip down, funnel, pucker).
_VOWELS = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0.3, 0.25, 0.75], [1.0, 0.5, 0.5, 0.4]])
_STEP = 1.0 / float(np.linalg.eigvalsh(_VOWELS @ _VOWELS.T).max())


def split_vowels(point: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Weights in [0, 1]^4 minimising |w·V - point| + 0.01 |w|_1 (THA3's loss), by accelerated projected
    gradient on the equivalent reweighted least squares (THA3 calls scipy's L-BFGS-B on the same problem)."""
    w = np.zeros(4)
    y, t = w.copy(), 1.0
    for _ in range(iterations):
        r = y @ _VOWELS - point
        lam = 0.01 * max(float(np.sqrt(r @ r)), 1e-6)
        w_next = np.clip(y - _STEP * (_VOWELS @ r + lam), 0.0, 1.0)
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        y = w_next + ((t - 1.0) / t_next) * (w_next - w)
        w, t = w_next, t_next
    return w


# --- the converter ------------------------------------------------------------------------------------------------

def _c(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


def face_to_pose(face: FaceFrame | None, m: AnimeMapping = AnimeMapping(), t: float | None = None) -> np.ndarray:
    """The 45-value float32 pose for one tracked frame (neutral, still breathing, when no face is seen)."""
    pose = np.zeros(len(POSE_NAMES), dtype=np.float32)
    time = t if t is not None else (face.t if face is not None else 0.0)
    if m.breaths_per_minute > 0:
        frac = (time * m.breaths_per_minute / 60.0) % 1.0
        pose[POSE_INDEX["breathing"]] = (1.0 - math.cos(2.0 * math.pi * frac)) / 2.0
    pose[POSE_INDEX["iris_small_left"]] = m.iris_small_left
    pose[POSE_INDEX["iris_small_right"]] = m.iris_small_right
    if face is None or not face.found:
        return pose
    b = face.blendshapes
    bs = {n: float(b[i]) for n, i in ARKIT_INDEX.items()}
    # Sides: THA3's "left" is the character's own left. Anatomical (mirror off): the user's own left drives it.
    user = ("Right", "Left") if m.mirror else ("Left", "Right")

    def put(name: str, left: float, right: float) -> None:
        pose[POSE_INDEX[name + "_left"]] = left
        pose[POSE_INDEX[name + "_right"]] = right

    def side(stem: str) -> tuple[float, float]:
        return bs[stem + user[0]], bs[stem + user[1]]

    smile_value = (bs["mouthSmileLeft"] + bs["mouthSmileRight"]) / 2.0 + bs["mouthShrugUpper"]
    smile = _c((smile_value - m.lower_smile_threshold) / (m.upper_smile_threshold - m.lower_smile_threshold))
    ol, orr = side("browOuterUp")
    put("eyebrow_raised", _c(bs["browInnerUp"] + ol), _c(bs["browInnerUp"] + orr))
    dl, dr = side("browDown")
    put("eyebrow_" + m.eyebrow_down_mode, (1 - smile) * _c(dl / m.eyebrow_down_max),
        (1 - smile) * _c(dr / m.eyebrow_down_max))
    happy = _c(smile_value) * smile
    put("eyebrow_happy", happy, happy)
    wl, wr = side("eyeWide")
    put("eye_surprised", _c(wl / m.eye_surprised_max), _c(wr / m.eye_surprised_max))
    bl, br = (_c(v / m.eye_blink_max) for v in side("eyeBlink"))
    put("eye_wink" if m.wink_mode == "normal" else "eye_relaxed", (1 - smile) * bl, (1 - smile) * br)
    put("eye_happy_wink", smile * bl, smile * br)
    sl, sr = side("cheekSquint")
    span = m.cheek_squint_max - m.cheek_squint_min
    put("eye_raised_lower_eyelid", _c((sl - m.cheek_squint_min) / span), _c((sr - m.cheek_squint_min) / span))
    # Gaze: THA3's iris_rotation_y follows (in_L - out_L - in_R + out_R); mirroring swaps the eyes, which flips it.
    look = (bs["eyeLookInLeft"] - bs["eyeLookOutLeft"] - bs["eyeLookInRight"] + bs["eyeLookOutRight"]) / 2.0
    pose[POSE_INDEX["iris_rotation_y"]] = _c(look * m.eye_rotation_factor * (-1 if m.mirror else 1), -1, 1)
    up = (bs["eyeLookUpLeft"] + bs["eyeLookUpRight"] - bs["eyeLookDownLeft"] - bs["eyeLookDownRight"]) / 2.0
    pose[POSE_INDEX["iris_rotation_x"]] = _c(up * m.eye_rotation_factor, -1, 1)
    # Head: THA3's converter takes iFacialMocap's Euler angles (X = -pitch, Y = yaw, Z = roll in the unmirrored
    # camera frame) as head_x = -X/15, head_y = -Y/10, neck_z = Z/15. Measured on the real model: head_x > 0 looks
    # up, head_y > 0 turns the character to its own right, neck_z > 0 tilts it counter-clockwise on screen - so
    # these formulas on unmirrored angles give the anatomical character; mirroring negates yaw and roll.
    h, s = face.head, (-1.0 if m.mirror else 1.0)
    pose[POSE_INDEX["head_x"]] = _c(h.pitch / m.head_pitch_range_deg, -1, 1)
    head_y = _c(-s * h.yaw / m.head_yaw_range_deg, -1, 1)
    neck_z = _c(s * h.roll / m.head_roll_range_deg, -1, 1)
    pose[POSE_INDEX["head_y"]], pose[POSE_INDEX["body_y"]] = head_y, head_y * m.body_follow
    pose[POSE_INDEX["neck_z"]], pose[POSE_INDEX["body_z"]] = neck_z, neck_z * m.body_follow
    # Mouth.
    mouth_open = _c((bs["jawOpen"] - m.jaw_open_min) / (m.jaw_open_max - m.jaw_open_min))
    pose[POSE_INDEX["mouth_aaa"]] = mouth_open
    put("mouth_raised_corner", _c(smile_value), _c(smile_value))
    if mouth_open <= 0.0:
        frown = _c((bs["mouthFrownLeft"] + bs["mouthFrownRight"]) / m.mouth_frown_max)
        put("mouth_lowered_corner", frown, frown)
    else:
        # MediaPipe's mouthLowerDown stays near 0 even for a wide-open mouth (ARKit's rises with the jaw), which would
        # make every open mouth a small "u"; let the lower lip follow the jaw (0 = THA3's rule exactly).
        lower = _c(max(bs["mouthLowerDownLeft"] + bs["mouthLowerDownRight"], m.lower_lip_follows_jaw * mouth_open))
        funnel, pucker = bs["mouthFunnel"], bs["mouthPucker"]
        a, i, u, o = split_vowels(np.array([mouth_open, lower, funnel, pucker]))
        pose[POSE_INDEX["mouth_aaa"]], pose[POSE_INDEX["mouth_iii"]] = a, i
        ooo = _c((funnel - m.mouth_funnel_min) / (m.mouth_funnel_max - m.mouth_funnel_min))
        uo = _c(u + o)
        pose[POSE_INDEX["mouth_uuu"]], pose[POSE_INDEX["mouth_ooo"]] = uo * (1 - ooo), uo * ooo
    return np.nan_to_num(pose, nan=0.0, posinf=1.0, neginf=-1.0)  # a NaN from the tracker must not reach THA3
