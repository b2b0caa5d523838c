"""MediaPipe Face Landmarker in VIDEO mode: one multitask pass per frame -> FaceFrame.

Options dataclass in, FaceFrame out (the MediaPipe Tasks style). The model file is checksum-verified before it is
loaded. Timestamps given to MediaPipe must strictly increase; we derive them from frame times and bump duplicates,
so looping files and cameras with coarse clocks both work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import ModelError
from vtbridge.frames import ARKIT_INDEX, ARKIT_NAMES, FaceFrame, Frame, empty_face
from vtbridge.models import model_path
from vtbridge.native import native_stderr_silenced
from vtbridge.tracking.gaze import gaze_from_blendshapes
from vtbridge.tracking.pose import pose_from_matrix

MODEL_FILE = "face_landmarker.task"


@dataclass(frozen=True)
class TrackerOptions:
    model: Path | None = None  # None: the vendored, checksum-verified models/face_landmarker.task
    mirror: bool = False  # flip the image first (selfie view): Left/Right, yaw, roll and x swap sign
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


def _import_mediapipe():
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ INFO/WARNING lines off the console
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return mp, BaseOptions, vision


class Tracker:
    """``process(frame) -> FaceFrame``. Use as a context manager (or call ``close``) to free the native graph."""

    def __init__(self, options: TrackerOptions = TrackerOptions()) -> None:
        self.options = options
        path = options.model or model_path(MODEL_FILE)
        mp, BaseOptions, vision = _import_mediapipe()
        self._mp = mp
        opts = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            min_face_detection_confidence=options.min_detection_confidence,
            min_face_presence_confidence=options.min_presence_confidence,
            min_tracking_confidence=options.min_tracking_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        try:
            with native_stderr_silenced():
                self._landmarker = vision.FaceLandmarker.create_from_options(opts)
                self._landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB,
                                                           data=np.zeros((64, 64, 3), np.uint8)), 0)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"model file {path} could not be loaded by MediaPipe ({exc}); restore the original "
                             f"models/{MODEL_FILE}") from None
        self._last_ms = 0  # the warm-up frame above used timestamp 0
        self._mp_index: np.ndarray | None = None  # MediaPipe category index -> canonical index

    def infer(self, rgb: np.ndarray, t: float):
        """Raw MediaPipe inference on an RGB uint8 image at time ``t`` (seconds). Returns MediaPipe's result."""
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        return self._landmarker.detect_for_video(image, ms)

    def oriented(self, image: np.ndarray) -> np.ndarray:
        """The image as the tracker sees it (mirrored when asked): what previews must draw landmarks on."""
        return cv2.flip(image, 1) if self.options.mirror else image

    def prepare(self, frame: Frame) -> np.ndarray:
        """BGR frame -> RGB array, oriented as tracked."""
        return cv2.cvtColor(self.oriented(frame.image), cv2.COLOR_BGR2RGB)

    def to_face(self, result, frame: Frame) -> FaceFrame:
        """MediaPipe result -> FaceFrame in canonical order (tongueOut stays 0: MediaPipe has no such output)."""
        size = frame.size
        if not result.face_landmarks:
            return empty_face(frame.t, frame.index, size)
        categories = result.face_blendshapes[0]
        if self._mp_index is None or len(self._mp_index) != len(categories):
            self._mp_index = np.array([ARKIT_INDEX.get(c.category_name, -1) for c in categories], dtype=np.intp)
        scores = np.fromiter((c.score for c in categories), dtype=np.float32, count=len(categories))
        blend = np.zeros(len(ARKIT_NAMES), dtype=np.float32)
        keep = self._mp_index >= 0  # drops "_neutral"
        blend[self._mp_index[keep]] = scores[keep]
        np.clip(blend, 0.0, 1.0, out=blend)
        landmarks = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], dtype=np.float32)
        head = pose_from_matrix(np.asarray(result.facial_transformation_matrixes[0]))
        return FaceFrame(t=frame.t, found=True, blendshapes=blend, head=head, gaze=gaze_from_blendshapes(blend),
                         landmarks=landmarks, image_size=size, index=frame.index)

    def process(self, frame: Frame) -> FaceFrame:
        return self.to_face(self.infer(self.prepare(frame), frame.t), frame)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
