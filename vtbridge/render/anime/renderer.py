"""The ``anime`` virtual-camera mode: the tracked face drives a THA3 character drawn from one picture.

``render(frame, face)`` maps the face to THA3's pose (``pose.face_to_pose``), runs only the networks whose inputs
changed (``poser.Tha3Poser``), puts the 512² character on a plain background and letterboxes it to the output
size. It runs on the virtual camera's render thread; the camera keeps sending the latest finished picture at its
own rate, so a slow CPU lowers the character's frame rate, never the tracking's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from vtbridge import paths
from vtbridge.errors import ConfigError
from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.compose import letterbox
from vtbridge.render.anime.character import SIZE, from_network, load_character, to_network
from vtbridge.render.anime.pose import AnimeMapping, face_to_pose, load_mapping
from vtbridge.render.anime.poser import STAGES, PoserOptions, Tha3Poser


def default_models_dir() -> Path:
    return paths.user_models_dir() / "tha3"


@dataclass(frozen=True)
class AnimeOptions:
    """``background``: RGB behind the character (default green, for a chroma key in OBS). ``mapping``: a JSON file
    of ``AnimeMapping`` fields (``vtbridge anime mapping`` writes the defaults). ``models``: default the user data
    folder where ``vtbridge models convert-tha3`` puts them."""

    character: Path
    size: tuple[int, int] = (1280, 720)
    provider: str = "auto"
    threads: int = 0
    models: Path | None = None
    mapping: Path | None = None
    background: tuple[int, int, int] = (0, 255, 0)
    mirror: bool = False


class AnimeRenderer:
    """A Renderer (``render``/``close``) producing BGR uint8 of exactly ``options.size``."""

    def __init__(self, options: AnimeOptions, clock=None) -> None:
        w, h = options.size
        if w < 16 or h < 16:
            raise ConfigError(f"anime output size {w}x{h} is too small; use e.g. 1280x720")
        if any(not 0 <= c <= 255 for c in options.background) or len(options.background) != 3:
            raise ConfigError(f"anime background {options.background!r} must be three values 0-255 (R, G, B)")
        self.options = options
        self.clock = clock
        mapping = load_mapping(options.mapping) if options.mapping else AnimeMapping()
        self.mapping = replace(mapping, mirror=mapping.mirror or options.mirror)
        picture = load_character(options.character)  # check the picture before the (slower) model load
        self.poser = Tha3Poser(PoserOptions(options.models or default_models_dir(), options.provider,
                                            options.threads))
        self.provider = self.poser.provider
        self._bg_rgb = np.array(options.background, dtype=np.float32) / 255.0
        self.poser.set_character(to_network(picture))
        self._record("anime_decompose", self.poser.last_ms["decompose"])
        self._last_result: np.ndarray | None = None
        self._last_out: np.ndarray | None = None
        self.last_pose: np.ndarray | None = None

    def _record(self, stage: str, ms: float) -> None:
        if self.clock is not None and ms > 0:
            self.clock.record(stage, ms)

    def pose_for(self, face: FaceFrame | None, t: float) -> np.ndarray:
        return face_to_pose(face, self.mapping, t)

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        t0 = time.perf_counter()
        pose = self.pose_for(face, frame.t)
        self._record("anime_pose", (time.perf_counter() - t0) * 1000.0)
        return self.render_pose(pose)

    def render_pose(self, pose: np.ndarray) -> np.ndarray:
        """The output picture for a THA3 pose (45 values); used by ``render`` and by tests and tools."""
        self.last_pose = pose
        result = self.poser.pose(pose)
        for stage in STAGES[1:]:
            self._record(f"anime_{stage}", self.poser.last_ms[stage])
        if result is self._last_result and self._last_out is not None:
            return self._last_out  # nothing changed: the same picture, no work
        t0 = time.perf_counter()
        rgb, alpha = from_network(result)
        a = alpha[..., None]
        composed = (rgb * a + self._bg_rgb * (1.0 - a)) * 255.0 + 0.5
        bgr = np.clip(composed, 0, 255).astype(np.uint8)[..., ::-1]
        fill = tuple(int(c) for c in self.options.background[::-1])
        out = letterbox(np.ascontiguousarray(bgr), self.options.size, fill)
        self._record("anime_compose", (time.perf_counter() - t0) * 1000.0)
        self._last_result, self._last_out = result, out
        return out

    def character_rgba(self, pose: np.ndarray) -> np.ndarray:
        """The posed character as RGBA uint8 512² (transparent background), for previews and tests."""
        rgb, alpha = from_network(self.poser.pose(pose))
        return np.clip(np.dstack([rgb, alpha]) * 255.0 + 0.5, 0, 255).astype(np.uint8)

    def status(self) -> dict:
        return {"mode": "anime", "provider": self.provider, "size": SIZE,
                "stage_ms": {s: round(self.poser.last_ms[s], 1) for s in STAGES}}

    def close(self) -> None:
        self.poser.close()


def make_anime_renderer(options: AnimeOptions, clock=None, live: bool = True):
    """Factory for the renderer registry (``RenderSettings`` + ``--character`` map onto ``AnimeOptions``).

    ``live=True`` (virtual camera): THA3 runs on its own thread and ``render`` returns the newest finished picture
    at once (``LiveAnimeRenderer``). ``live=False`` (rendering a file): every frame is posed, synchronously.
    """
    renderer = AnimeRenderer(options, clock=clock)
    if not live:
        return renderer
    from vtbridge.render.anime.live import LiveAnimeRenderer

    return LiveAnimeRenderer(renderer)
