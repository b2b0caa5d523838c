"""The Face2FaceRHO renderer (engine ``f2f`` of the reenact mode): ``render(frame, face) -> BGR`` at the output size.

Built once per portrait: the portrait is framed at the output size (the reenactment core's framing), its face
crop cut at the model's size, tracked landmarks mapped into it, and the source step run and cached. Per frame:
retarget the driver (its neutral is the first face seen, or the one passed to ``calibrate``), draw the driving
landmark images, run the driving graph, and blend the crop back into the portrait with a soft mask. Without a face
the last picture is shown again.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.f2f.crop import face_crop
from vtbridge.render.f2f.driving import DrivingInput, PortraitDrive
from vtbridge.render.f2f.engine import Engine, EngineOptions
from vtbridge.render.reenact.motion import FacePose, MotionLimits, face_pose
from vtbridge.render.reenact.portrait import load_portrait
from vtbridge.timing import timed

ENGINE = "f2f"


@dataclass(frozen=True)
class F2FOptions:
    portrait: Path
    size: tuple[int, int] = (1280, 720)  # output (width, height)
    model: Path | None = None  # converted model folder; None: the user data folder
    provider: str = "auto"  # auto | dml | cuda | coreml | openvino | cpu
    threads: int = 0  # threads per frame; 0: the cores shared out between the workers (OpenVINO: its own choice)
    precision: str = "auto"  # auto (fp16 on GPU providers, bf16 decoder on OpenVINO when measured visually
    # lossless, else fp32) | fp32 | fp16 | bf16 | int8 (CPU, lossy)
    workers: int = 0  # frames in flight: 0 = auto (2 on a CPU with 2+ cores: more throughput, each picture shown one
    # frame later; but 1 on OpenVINO from 384², where its threads split one frame well; 1 on a GPU)
    feather: float = 0.08  # soft-mask ramp, share of the crop side
    limits: MotionLimits = field(default_factory=lambda: MotionLimits(yaw=30.0, pitch=22.0, roll=35.0))


def _default_tracker():
    from vtbridge.tracking.landmarker import Tracker

    return Tracker()


def _fit_canvas(image: np.ndarray, face: FaceFrame, size: tuple[int, int]) -> tuple[np.ndarray, FaceFrame]:
    """Pad (edges replicated, centred) or centre-crop the framed portrait to exactly ``size``; the face follows."""
    out_w, out_h = size
    h, w = image.shape[:2]
    if h != out_h:
        scale = out_h / h
        image = cv2.resize(image, (max(1, round(w * scale)), out_h), interpolation=cv2.INTER_LINEAR)
        h, w = image.shape[:2]
    shift = (out_w - w) // 2
    if shift >= 0:
        image = cv2.copyMakeBorder(image, 0, 0, shift, out_w - w - shift, cv2.BORDER_REPLICATE)
    else:
        image = image[:, -shift:-shift + out_w]
    lm = face.landmarks.astype(np.float64).copy()
    lm[:, 0] = (lm[:, 0] * w + shift) / out_w
    lm[:, 2] = lm[:, 2] * w / out_w
    return np.ascontiguousarray(image), dataclasses.replace(face, landmarks=lm.astype(np.float32),
                                                            image_size=(out_w, out_h))


class F2FRenderer:
    """Neural reenactment of one portrait. ``provider``/``precision`` say what runs it (for status lines)."""

    engine_name = ENGINE

    def __init__(self, options: F2FOptions, tracker_factory=_default_tracker, clock=None) -> None:
        self.options = options
        self.clock = clock  # a vtbridge.timing.StageTimes, or None
        self._engine = Engine(EngineOptions(model=options.model, provider=options.provider, threads=options.threads,
                                            precision=options.precision, workers=options.workers))
        portrait = load_portrait(options.portrait, tracker_factory, options.size)
        self.canvas, face = _fit_canvas(portrait.image, portrait.face, options.size)
        pts = face_pose(face).points
        self.crop = face_crop(pts, options.size, self._engine.size, options.feather)
        self.portrait = PortraitDrive.from_face(face, self.crop)
        image = cv2.cvtColor(self.crop.cut(self.canvas), cv2.COLOR_BGR2RGB).astype(np.float32)
        image = (image.transpose(2, 0, 1)[None] / np.float32(127.5) - np.float32(1.0)).astype(np.float32)
        src = self.portrait.source
        self.source_image = image  # the network's source input (1, 3, S, S) RGB in [-1, 1]
        self.prepared = self._engine.prepare(image, src.points72, src.pose)
        self._neutral: FacePose | None = None
        self._last = self.canvas
        self._inflight: deque = deque()

    @property
    def provider(self) -> str:
        return self._engine.provider

    @property
    def model_size(self) -> int:
        return self._engine.size

    @property
    def precision(self) -> str:
        return self._engine.precision

    def status(self) -> str:
        e = self._engine
        precision = "fp32 motion, bf16 decoder" if self.precision == "bf16" else self.precision
        return f"reenact f2f {e.size}px on {self.provider} ({precision}, {e.workers} in flight)"

    def calibrate(self, face: FaceFrame | None = None) -> None:
        """Take ``face`` as the driver's neutral, or the next face seen."""
        self._neutral = face_pose(face) if face is not None and face.found and face.landmarks is not None else None

    def driving(self, face: FaceFrame) -> DrivingInput:
        """The network's driving inputs for a found ``face``; the first face seen becomes the neutral."""
        if self._neutral is None:
            self._neutral = face_pose(face)
        return self.portrait.drive(self._neutral, face, self.options.limits)

    def network(self, drive: DrivingInput) -> np.ndarray:
        """The driving step now, on this thread: the crop as 8-bit BGR (model size)."""
        return self._engine.drive(self.prepared, drive.points72, drive.pose)[1]

    def compose(self, crop_bgr: np.ndarray) -> np.ndarray:
        return self.crop.paste(self.canvas, crop_bgr)

    def render(self, frame: Frame | None, face: FaceFrame | None) -> np.ndarray:
        if face is None or not face.found or face.landmarks is None:
            return self._last
        with self._stage("f2f_drive"):
            drive = self.driving(face)
        with self._stage("f2f_network"):
            self._inflight.append(self._engine.submit(self.prepared, drive.points72, drive.pose))
            done = self._inflight.popleft().result() if len(self._inflight) >= self._engine.workers else None
        if done is not None:  # a fixed delay of workers-1 frames
            with self._stage("f2f_composite"):
                self._last = self.compose(done[1])
        return self._last

    def _stage(self, name: str):
        return timed(self.clock, name)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = None  # sessions are freed with their last reference
        self.prepared = None
        self._inflight.clear()


def make_f2f_renderer(options: F2FOptions, tracker_factory=_default_tracker, clock=None) -> F2FRenderer:
    return F2FRenderer(options, tracker_factory, clock=clock)


def options_from_settings(settings) -> F2FOptions:
    """F2FOptions from the virtual camera's render settings (duck-typed: ``size`` and ``portrait`` are required;
    ``f2f_model``, ``provider``, ``threads``, ``precision`` and ``workers`` are read when the settings have them)."""
    get = lambda name, default: getattr(settings, name, default)  # noqa: E731
    model = get("f2f_model", None)
    return F2FOptions(portrait=Path(settings.portrait), size=tuple(settings.size), model=Path(model) if model else None,
                      provider=get("provider", "auto"), threads=int(get("threads", 0)),
                      precision=get("precision", "auto"), workers=int(get("workers", 0)))


def renderer_factory(settings, clock=None) -> F2FRenderer:
    """``factory(settings, clock=None)`` for the renderer registry (``--mode reenact --engine f2f``)."""
    return F2FRenderer(options_from_settings(settings), clock=clock)
