"""Person segmentation with MediaPipe's Selfie Segmenter, plus the temporal smoothing and feathering that keep
the mask from flickering.

Why a small working size: the model sees 256x256 whatever it is given, so the frame is shrunk first (long side
256) and the mask is smoothed at that size; upscaling a soft mask is cheap and the edge is feathered anyway.

Why motion-adaptive smoothing: a plain running average stops hair and hand edges from flickering but leaves a
ghost when the person moves. Here each pixel moves toward the new confidence by ``alpha + gain * |change|``: small
jitters (the flicker) are averaged away, large changes (real motion) pass through within a frame or two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import ModelError
from vtbridge.models import model_path
from vtbridge.native import native_stderr_silenced

MODEL_FILE = "selfie_segmenter.tflite"


@dataclass(frozen=True)
class MaskOptions:
    work_size: int = 256  # long side of the image the model gets (its input is 256x256)
    alpha: float = 0.25  # share of the new mask taken every frame when nothing moves
    motion_gain: float = 1.0  # extra share per unit of change: real motion is followed at once
    edge_low: float = 0.25  # confidence below this is background...
    edge_high: float = 0.75  # ...above this person; a smooth ramp in between
    feather: float = 0.012  # edge softness, as a fraction of the frame's long side


class PersonSegmenter:
    """``segment(image_bgr) -> float32 mask`` at the working size (1 = person). Use as a context manager."""

    def __init__(self, options: MaskOptions = MaskOptions(), model: Path | None = None) -> None:
        import os

        os.environ.setdefault("GLOG_minloglevel", "2")
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self.options = options
        path = model or model_path(MODEL_FILE)
        self._mp = mp
        opts = vision.ImageSegmenterOptions(base_options=BaseOptions(model_asset_path=str(path)),
                                            running_mode=vision.RunningMode.VIDEO,
                                            output_confidence_masks=True, output_category_mask=False)
        try:
            with native_stderr_silenced():
                self._segmenter = vision.ImageSegmenter.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"model file {path} could not be loaded by MediaPipe ({exc}); restore the original "
                             f"models/{MODEL_FILE}") from None
        self._ms = 0

    def work_shape(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """(w, h) of the image the model is given for a frame of ``shape``."""
        h, w = shape[:2]
        scale = min(1.0, self.options.work_size / max(w, h))
        return max(8, round(w * scale)), max(8, round(h * scale))

    def segment(self, image: np.ndarray) -> np.ndarray:
        """Person confidence (0..1, float32) for a BGR frame, at ``work_shape``."""
        w, h = self.work_shape(image.shape)
        small = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA) if (w, h) != image.shape[1::-1] else image
        rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        self._ms += 33  # VIDEO mode wants increasing timestamps; the model keeps no state between frames
        result = self._segmenter.segment_for_video(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb),
                                                   self._ms)
        mask = result.confidence_masks[0].numpy_view()
        return np.array(mask.reshape(h, w), dtype=np.float32)

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def __enter__(self) -> "PersonSegmenter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MaskSmoother:
    """Temporal smoothing + edge ramp for a stream of working-size masks (one per frame, same shape)."""

    def __init__(self, options: MaskOptions = MaskOptions()) -> None:
        self.options = options
        self._state: np.ndarray | None = None

    def reset(self) -> None:
        self._state = None

    def process(self, mask: np.ndarray) -> np.ndarray:
        o = self.options
        if self._state is None or self._state.shape != mask.shape:
            self._state = mask.astype(np.float32, copy=True)
        else:
            change = np.abs(mask - self._state)
            share = np.minimum(1.0, o.alpha + o.motion_gain * change)
            self._state += share * (mask - self._state)
        ramp = np.clip((self._state - o.edge_low) / (o.edge_high - o.edge_low), 0.0, 1.0)
        return ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep: no hard step, no halo


def full_mask(mask: np.ndarray, size: tuple[int, int], feather: float = MaskOptions.feather) -> np.ndarray:
    """A working-size mask at the frame's ``size`` (w, h), with a feathered edge (float32 0..1)."""
    h, w = mask.shape[:2]
    sigma = feather * max(w, h)  # feather measured on the working mask: the same share of the frame
    soft = cv2.GaussianBlur(mask, (0, 0), sigma) if sigma >= 0.3 else mask
    return cv2.resize(soft, size, interpolation=cv2.INTER_LINEAR)


def flicker(masks: list[np.ndarray]) -> float:
    """Mean absolute change between consecutive masks, in percent of full scale (0 = perfectly steady). On a
    still scene every change is flicker; it concentrates at hair and hand edges."""
    if len(masks) < 2:
        return 0.0
    diffs = [float(np.mean(np.abs(b - a))) for a, b in zip(masks, masks[1:])]
    return 100.0 * float(np.mean(diffs))
