"""The runtime of a converted model: ``prepare`` once per portrait, ``drive`` once per frame.

The source step's outputs (four encoder features, the nearest-resized source image at three sizes) and the
source landmark images stay cached in a ``PreparedSource``; each frame only the driving landmark images and pose
change. The graphs run on onnxruntime through the shared ``onnx_session`` helper (DirectML, CUDA, CoreML, CPU), or
on OpenVINO (``provider: openvino``; ``auto`` picks it instead of onnxruntime's CPU provider when it is installed),
whose CPU backend can run the decoder in bfloat16 (``openvino_backend``). ``Engine.provider`` and
``Engine.precision`` say what actually runs.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vtbridge.errors import ModelError
from vtbridge.render.f2f.landmark_image import landmark_images
from vtbridge.render.f2f.model import F2FModel, open_model
from vtbridge.render.onnx_session import SessionOptions, choose_provider, open_session
from vtbridge.render.settings import PRECISIONS

log = logging.getLogger(__name__)
SOURCE_OUTPUTS = ("feat1", "feat2", "feat3", "feat4", "src_small0", "src_small1", "src_small2")


@dataclass(frozen=True)
class EngineOptions:
    model: Path | None = None  # None: the user data folder (where convert-f2f writes)
    provider: str = "auto"  # auto | dml | cuda | coreml | openvino | cpu
    threads: int = 0  # threads per frame; 0: the cores shared out between the workers
    precision: str = "auto"  # auto | fp32 | fp16 (GPU providers) | bf16 (openvino decoder) | int8 (CPU, lossy)
    workers: int = 0  # frames in flight: 0 = auto (2 on a CPU with 2+ cores, but 1 on OpenVINO from 384²; 1 on a GPU)


def choose_engine_provider(wanted: str, model: F2FModel, openvino_installed: bool | None = None) -> str:
    """``openvino`` when asked for, or for ``auto`` when onnxruntime would use its CPU provider, OpenVINO is
    installed and the model has the two-part graphs; otherwise onnxruntime's choice."""
    from vtbridge.render.f2f import openvino_backend

    installed = openvino_backend.available() if openvino_installed is None else openvino_installed
    if wanted == "openvino":
        if not installed:
            raise ModelError(f"provider openvino needs the OpenVINO runtime: {openvino_backend.INSTALL}")
        if model.motion is None:
            raise ModelError(f"{str(model.folder)!r} was converted before OpenVINO support; run convert-f2f again")
        return "openvino"
    provider = choose_provider(wanted)
    if wanted == "auto" and provider == "cpu" and installed and model.motion is not None:
        return "openvino"
    return provider


@dataclass(frozen=True, eq=False)
class PreparedSource:
    feeds: dict  # cached graph inputs: features, small source images, source landmark images


def _pose(pose) -> np.ndarray:
    pose = np.asarray(pose, dtype=np.float32).reshape(-1)
    if pose.shape != (6,) or not np.isfinite(pose).all():
        raise ValueError(f"head pose must be 6 finite numbers, got {pose.shape[0]}")
    return pose[None]


class Engine:
    def __init__(self, options: EngineOptions = EngineOptions()) -> None:
        self.options = options
        self.model: F2FModel = open_model(options.model)
        if options.workers < 0:
            raise ModelError(f"workers must be 0 (auto) or more, got {options.workers}")
        self.provider = choose_engine_provider(options.provider, self.model)
        self.precision = self._pick_precision(options.precision)
        cores = os.cpu_count() or 1
        self.workers = options.workers or self._auto_workers(cores)
        if self.provider == "openvino":
            try:
                self._open_openvino()
            except ModelError as exc:
                if options.provider != "auto":
                    raise
                log.warning("OpenVINO could not run this model (%s); using onnxruntime's CPU provider", exc)
                self.provider = "cpu"
                self.precision = self._pick_precision(options.precision)
                self.workers = options.workers or self._auto_workers(cores)  # onnxruntime's own choice
        if self.provider != "openvino":
            self._open_onnxruntime(options.threads or max(1, cores // self.workers))
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="f2f") if self.workers > 1 else None

    def _auto_workers(self, cores: int) -> int:
        """Frames in flight: two on a multi-core CPU, where splitting one frame's operators over the cores scales
        poorly; but one on OpenVINO at 384² and above, whose threads split a big frame well (measured at 512²:
        2.03-2.13x the reference with one frame against 1.95-2.29x with two, and half the latency); one on a GPU."""
        if cores < 2 or self.provider not in ("cpu", "openvino"):
            return 1
        return 1 if self.provider == "openvino" and self.model.size >= 384 else 2

    def _open_onnxruntime(self, threads: int) -> None:
        so = SessionOptions(provider=self.provider, threads=threads)
        self._source, self.provider = open_session(self.model.source, so)
        drive = self.model.variants.get(self.precision, self.model.drive)
        try:
            self._drive, _ = open_session(drive, so)
        except ModelError:
            if self.precision != "fp16" or self.options.precision == "fp16":
                raise
            self.precision = "fp32"  # a GPU provider without some float16 kernel: the float graph still runs
            self._drive, _ = open_session(self.model.drive, so)

    def _open_openvino(self) -> None:
        from vtbridge.render.f2f.openvino_backend import OvDrive, OvGraph

        threads = self.options.threads  # 0: OpenVINO's own choice (every core for one frame)
        self._source = OvGraph(self.model.source, "fp32", threads)
        if self.precision == "int8":
            self._drive = OvGraph(self.model.variants["int8"], "fp32", threads, self.workers)
        else:
            self._drive = OvDrive(self.model.motion, self.model.decode, self.precision, threads, self.workers)

    def _pick_precision(self, wanted: str) -> str:
        """auto: fp16 on a GPU provider when the conversion kept it, bf16 (decoder) on OpenVINO when this CPU has
        bfloat16 and the conversion measured it visually lossless, else fp32. int8, bf16 and fp16 otherwise only
        when asked for (int8 is lossy; fp16 on a CPU is slower than fp32)."""
        from vtbridge.render.f2f import openvino_backend

        if wanted not in PRECISIONS:
            raise ModelError(f"unknown precision {wanted!r}; use {', '.join(PRECISIONS)}")
        openvino = self.provider == "openvino"
        if wanted == "auto":
            if openvino:
                measured = (self.model.errors or {}).get("bf16") or {}
                ok = measured.get("visually_lossless") is True and openvino_backend.cpu_has_bf16()
                return "bf16" if ok else "fp32"
            return "fp16" if self.provider != "cpu" and "fp16" in self.model.variants else "fp32"
        if wanted == "bf16":
            if not openvino:
                raise ModelError("precision bf16 runs on the openvino provider only (onnxruntime has no bfloat16 "
                                 f"CPU kernels): {openvino_backend.INSTALL} and use provider openvino")
            if not openvino_backend.cpu_has_bf16():
                raise ModelError("precision bf16: this CPU has no bfloat16 instructions (AVX512-BF16 or AMX); "
                                 "use precision fp32")
            return "bf16"
        if wanted == "fp16" and openvino:
            raise ModelError("precision fp16 is for GPU providers (dml, cuda, coreml); on openvino use fp32 or bf16")
        if wanted in ("fp16", "int8") and wanted not in self.model.variants:
            raise ModelError(f"{str(self.model.folder)!r} has no {wanted} graph; run convert-f2f again with this "
                             f"vtbridge")
        return wanted

    @property
    def size(self) -> int:
        return self.model.size

    def prepare(self, image_rgb: np.ndarray, points72: np.ndarray, pose) -> PreparedSource:
        """``image_rgb``: float32 (1, 3, S, S) in [-1, 1]; ``points72`` in [-1, 1] crop coordinates."""
        s = self.size
        if image_rgb.shape != (1, 3, s, s):
            raise ValueError(f"source image must be (1, 3, {s}, {s}), got {image_rgb.shape}")
        outs = self._source.run(None, {"src_image": np.ascontiguousarray(image_rgb, dtype=np.float32),
                                       "src_headpose": _pose(pose)})
        feeds = dict(zip(SOURCE_OUTPUTS, outs))
        feeds.update({f"src_lmk{i}": img for i, img in enumerate(landmark_images(points72, s))})
        return PreparedSource(feeds=feeds)

    def drive(self, source: PreparedSource, points72: np.ndarray, pose) -> tuple[np.ndarray, np.ndarray]:
        """``(image, bgr)``: the network's float RGB (1, 3, S, S) in [-1, 1] and the 8-bit BGR SxSx3 picture."""
        feeds = dict(source.feeds)
        feeds.update({f"drv_lmk{i}": img for i, img in enumerate(landmark_images(points72, self.size))})
        feeds["drv_headpose"] = _pose(pose)
        image, bgr = self._drive.run(None, feeds)
        return image, bgr

    def submit(self, source: PreparedSource, points72: np.ndarray, pose) -> Future:
        """``drive`` on a worker thread (onnxruntime runs one session from several threads at once); without
        workers it runs now and returns a finished future."""
        if self._pool is None:
            done: Future = Future()
            done.set_result(self.drive(source, points72, pose))
            return done
        return self._pool.submit(self.drive, source, points72, pose)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
