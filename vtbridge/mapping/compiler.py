"""Turn parsed expressions and per-output options into fast per-frame evaluation.

The mapper runs on the tracking thread for every frame, so everything that can be decided at load time is:
names become slot indices into one flat Python list (inputs first, then outputs in dependency order), constant
sub-expressions are folded, common shapes (``x * 2``, ``a + b``) get dedicated closures, and an output that only
copies an input (``"JawOpen": "jawOpen"``) costs nothing at all: it aliases the input's slot.
Evaluation never raises: ``x / 0`` is 0, a bad power is 0, and non-finite results are cleaned before they leave.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from vtbridge.frames import ARKIT_NAMES, FaceFrame, MappedFrame
from vtbridge.mapping.expr import Binary, Call, Name, Node, Num, Unary

#: Names of everything a profile can read, in slot order (blendshapes, head pose, gaze, face-found flag).
POSE_INPUTS = ("headYaw", "headPitch", "headRoll", "headX", "headY", "headZ")
GAZE_INPUTS = ("gazeLeftYaw", "gazeLeftPitch", "gazeRightYaw", "gazeRightPitch")
#: Microphone lip sync (docs/audio.md): vowel weights, silence, loudness, the camera/voice mix factor, the voice's
#: mouth opening, and the mixed mouth (camera jawOpen faded toward the voice's opening by voiceMix). Without audio
#: they are silence: every vowel 0, voiceSilence 1, voiceMix 0, mouthOpenMixed = jawOpen.
VOICE_INPUTS = ("voiceA", "voiceI", "voiceU", "voiceE", "voiceO", "voiceSilence", "voiceVolume", "voiceMix",
                "voiceOpen", "mouthOpenMixed")
INPUT_NAMES: tuple[str, ...] = ARKIT_NAMES + POSE_INPUTS + GAZE_INPUTS + ("face",) + VOICE_INPUTS
INPUT_SLOTS: dict[str, int] = {n: i for i, n in enumerate(INPUT_NAMES)}
_N_BLEND = len(ARKIT_NAMES)
_JAW_OPEN = ARKIT_NAMES.index("jawOpen")

#: Results are kept inside +-LIMIT (finite in float32, far beyond any real parameter range).
LIMIT = 1e9


def finite(x: float) -> float:
    """NaN -> 0, +-inf or huge -> +-LIMIT; used where a value feeds state (smoothing) or leaves the mapper."""
    if -LIMIT <= x <= LIMIT:
        return x
    return 0.0 if x != x else math.copysign(LIMIT, x)


# --- expressions -----------------------------------------------------------------------------------------------
# A compiled sub-expression is ("c", const) | ("l", slot) | ("f", closure(v) -> float).


def _as_fn(c):
    kind, val = c
    if kind == "f":
        return val
    if kind == "l":
        return itemgetter(val)
    return lambda v, k=val: k


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return LIMIT
    except ValueError:  # negative base with fractional exponent, or 0 ^ negative
        return 0.0


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _remap(x, a, b, c, d):
    t = (x - a) / (b - a) if b != a else 0.0
    t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
    return c + (d - c) * t


def _smoothstep(e0, e1, x):
    if e1 == e0:
        return 0.0 if x < e0 else 1.0
    t = (x - e0) / (e1 - e0)
    t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
    return t * t * (3.0 - 2.0 * t)


def _clamp(x, lo, hi):
    x = x if x > lo else lo
    return x if x < hi else hi


_SCALAR = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div, "^": _pow,
    "<": lambda a, b: 1.0 if a < b else 0.0, "<=": lambda a, b: 1.0 if a <= b else 0.0,
    ">": lambda a, b: 1.0 if a > b else 0.0, ">=": lambda a, b: 1.0 if a >= b else 0.0,
    "==": lambda a, b: 1.0 if a == b else 0.0, "!=": lambda a, b: 1.0 if a != b else 0.0,
}
_FUNCS = {
    "min": lambda *a: min(a), "max": lambda *a: max(a), "clamp": _clamp, "abs": abs, "remap": _remap,
    "lerp": lambda a, b, t: a + (b - a) * t, "smoothstep": _smoothstep,
    "step": lambda edge, x: 0.0 if x < edge else 1.0,
}

# Dedicated closures for the shapes that dominate real profiles (one call instead of three).
_FAST = {
    ("+", "l", "l"): lambda i, j: lambda v: v[i] + v[j],
    ("-", "l", "l"): lambda i, j: lambda v: v[i] - v[j],
    ("*", "l", "l"): lambda i, j: lambda v: v[i] * v[j],
    ("+", "l", "c"): lambda i, k: lambda v: v[i] + k,
    ("-", "l", "c"): lambda i, k: lambda v: v[i] - k,
    ("*", "l", "c"): lambda i, k: lambda v: v[i] * k,
    ("-", "c", "l"): lambda k, i: lambda v: k - v[i],
    ("*", "c", "l"): lambda k, i: lambda v: k * v[i],
    ("+", "c", "l"): lambda k, i: lambda v: k + v[i],
    ("+", "f", "f"): lambda f, g: lambda v: f(v) + g(v),
    ("-", "f", "f"): lambda f, g: lambda v: f(v) - g(v),
    ("*", "f", "f"): lambda f, g: lambda v: f(v) * g(v),
    ("*", "f", "c"): lambda f, k: lambda v: f(v) * k,
    ("*", "c", "f"): lambda k, f: lambda v: k * f(v),
    ("-", "c", "f"): lambda k, f: lambda v: k - f(v),
    ("+", "f", "c"): lambda f, k: lambda v: f(v) + k,
    ("-", "f", "c"): lambda f, k: lambda v: f(v) - k,
    ("+", "l", "f"): lambda i, f: lambda v: v[i] + f(v),
    ("+", "f", "l"): lambda f, i: lambda v: f(v) + v[i],
    ("-", "l", "f"): lambda i, f: lambda v: v[i] - f(v),
    ("-", "f", "l"): lambda f, i: lambda v: f(v) - v[i],
}


def compile_expr(node: Node, slot_of) -> tuple:
    """Compile an AST; ``slot_of(Name) -> int`` resolves names (already validated by the loader)."""
    if isinstance(node, Num):
        return ("c", node.value)
    if isinstance(node, Name):
        return ("l", slot_of(node))
    if isinstance(node, Unary):
        inner = compile_expr(node.operand, slot_of)
        if inner[0] == "c":
            return ("c", -inner[1])
        if inner[0] == "l":
            i = inner[1]
            return ("f", lambda v: -v[i])
        f = inner[1]
        return ("f", lambda v: -f(v))
    if isinstance(node, Binary):
        a, b = compile_expr(node.left, slot_of), compile_expr(node.right, slot_of)
        op = _SCALAR[node.op]
        if a[0] == "c" and b[0] == "c":
            return ("c", op(a[1], b[1]))
        fast = _FAST.get((node.op, a[0], b[0]))
        if fast is not None:
            return ("f", fast(a[1], b[1]))
        if node.op == "/" and b[0] == "c":
            k = b[1]
            if not k:
                return ("c", 0.0)
            f = _as_fn(a)
            return ("f", lambda v: f(v) / k)
        f, g = _as_fn(a), _as_fn(b)
        return ("f", lambda v: op(f(v), g(v)))
    if isinstance(node, Call):
        args = [compile_expr(arg, slot_of) for arg in node.args]
        impl = _FUNCS[node.func]
        if all(a[0] == "c" for a in args):
            return ("c", float(impl(*(a[1] for a in args))))
        fns = [_as_fn(a) for a in args]
        if len(fns) == 1:
            f = fns[0]
            return ("f", lambda v: impl(f(v)))
        if len(fns) == 2:
            f, g = fns
            if node.func == "min":
                def min2(v):
                    x, y = f(v), g(v)
                    return x if x < y else y
                return ("f", min2)
            if node.func == "max":
                def max2(v):
                    x, y = f(v), g(v)
                    return x if x > y else y
                return ("f", max2)
            return ("f", lambda v: impl(f(v), g(v)))
        if len(fns) == 3:
            f, g, h = fns
            return ("f", lambda v: impl(f(v), g(v), h(v)))
        return ("f", lambda v: impl(*[fn(v) for fn in fns]))
    raise TypeError(f"unknown node {node!r}")


# --- per-output options ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Post-processing of one output, applied in this order: deadzone, gain/offset, curve, invert, clamp,
    smoothing (see docs/profiles.md)."""

    deadzone: float = 0.0
    gain: float = 1.0
    offset: float = 0.0
    curve: tuple | float | None = None  # ((x, y), ...) points or a gamma exponent
    invert: bool = False
    clamp: tuple[float, float] | None = None
    smoothing: float = 0.0

    @property
    def is_identity(self) -> bool:
        return self == _IDENTITY


_IDENTITY = Options()


def _curve_fn(curve):
    if isinstance(curve, (int, float)):
        gamma = float(curve)

        def gamma_fn(x):
            try:
                return x ** gamma if x >= 0.0 else -((-x) ** gamma)
            except OverflowError:
                return math.copysign(LIMIT, x)
        return gamma_fn
    xs = [float(p[0]) for p in curve]
    ys = [float(p[1]) for p in curve]
    last = len(xs) - 1

    def points_fn(x):
        if x <= xs[0]:
            return ys[0]
        if x >= xs[last]:
            return ys[last]
        if x != x:
            return 0.0
        k = bisect_right(xs, x)
        x0, x1, y0 = xs[k - 1], xs[k], ys[k - 1]
        return y0 + (ys[k] - y0) * (x - x0) / (x1 - x0)
    return points_fn


def build_output(expr_c: tuple, opt: Options):
    """One closure for an output: expression then options. Smoothing state lives in this closure, which is why
    each ``Mapper`` builds its own."""
    fe = _as_fn(expr_c)
    if opt.is_identity:
        return fe
    if opt == Options(clamp=opt.clamp):  # clamp only: the most common option, worth its own closure
        lo, hi = opt.clamp
        if expr_c[0] == "l":
            i = expr_c[1]

            def clamp_slot(v):
                x = v[i]
                return lo if not x > lo else (hi if x > hi else x)
            return clamp_slot

        def clamp_expr(v):
            x = fe(v)
            return lo if not x > lo else (hi if x > hi else x)
        return clamp_expr
    dz, gain, offset = opt.deadzone, opt.gain, opt.offset
    scale = gain != 1.0 or offset != 0.0
    curve = _curve_fn(opt.curve) if opt.curve is not None else None
    invert = opt.invert
    lo, hi = opt.clamp if opt.clamp is not None else (None, None)
    keep = opt.smoothing
    state = [None]

    def out(v):
        x = fe(v)
        if dz:
            x = 0.0 if -dz <= x <= dz else (x - dz if x > 0.0 else x + dz)
        if scale:
            x = x * gain + offset
        if curve is not None:
            x = curve(x)
        if invert:
            x = 1.0 - x
        if lo is not None:
            x = lo if not x > lo else (hi if x > hi else x)
        if keep:
            x = finite(x)
            prev = state[0]
            x = x if prev is None else prev * keep + x * (1.0 - keep)
            state[0] = x
        return x
    return out


# --- the mapper ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything a Mapper needs, fixed at load: per evaluated output its compiled expression and options (in
    dependency order, each appending one slot), and for each profile output (file order) the slot to read."""

    steps: tuple[tuple[tuple, Options], ...]
    result_slots: tuple[int, ...]


class Mapper:
    """Stateful evaluator of one profile (per-output smoothing). Not thread-safe: one per pipeline."""

    def __init__(self, plan: Plan, names: tuple[str, ...], profile_name: str):
        self.names = names
        self.profile_name = profile_name
        self._plan = plan
        self.reset()

    def reset(self) -> None:
        """Forget smoothing state (e.g. after the face was lost for a while)."""
        self._fns = tuple(build_output(c, opt) for c, opt in self._plan.steps)
        slots = self._plan.result_slots
        if len(slots) == 1:
            self._gather = lambda v, k=slots[0]: (v[k],)
        elif slots:
            self._gather = itemgetter(*slots)
        else:
            self._gather = lambda v: ()

    def values(self, face: FaceFrame) -> np.ndarray:
        """Evaluate the profile for one frame: float32 array in ``names`` order, always finite."""
        bs = face.blendshapes
        v = bs.tolist() if len(bs) == _N_BLEND else _fit(bs)
        h, g = face.head, face.gaze
        v += (h.yaw, h.pitch, h.roll, h.x, h.y, h.z, g.left_yaw, g.left_pitch, g.right_yaw, g.right_pitch,
              1.0 if face.found else 0.0)
        s = face.voice
        jaw = v[_JAW_OPEN]
        if s is None:
            v += (0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, jaw)
        else:
            vo = s.open
            v += (s.a, s.i, s.u, s.e, s.o, s.silence, s.volume, s.mix, vo, jaw + (vo - jaw) * s.mix)
        append = v.append
        for f in self._fns:
            append(f(v))
        out = np.array(self._gather(v), dtype=np.float32)
        if not np.isfinite(out).all():
            np.nan_to_num(out, copy=False, nan=0.0, posinf=LIMIT, neginf=-LIMIT)
        return out

    def process(self, face: FaceFrame) -> MappedFrame:
        return MappedFrame(face=face, names=self.names, values=self.values(face), profile=self.profile_name)


def _fit(bs) -> list:
    """Blendshape arrays of an unexpected length are padded/truncated so slot indices stay valid."""
    vals = [float(x) for x in list(bs)[:_N_BLEND]]
    return vals + [0.0] * (_N_BLEND - len(vals))


def benchmark_profile(profile, n: int = 10000) -> float:
    """Mean microseconds for one ``process`` call of ``profile`` (a Profile) on a varying synthetic face."""
    from vtbridge.frames import Gaze, HeadPose

    mapper = profile.mapper()
    rng = np.random.default_rng(0)
    faces = [FaceFrame(t=i / 30, found=True, blendshapes=rng.random(_N_BLEND, dtype=np.float32),
                       head=HeadPose(*(rng.standard_normal(6) * 10).tolist()),
                       gaze=Gaze(*(rng.standard_normal(4) * 10).tolist())) for i in range(16)]
    for face in faces:
        mapper.process(face)
    n = max(1, int(n))
    start = time.perf_counter()
    for i in range(n):
        mapper.process(faces[i & 15])
    return (time.perf_counter() - start) / n * 1e6
