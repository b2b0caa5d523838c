"""The seam between the running pipeline and the things that watch or steer it (tray, dashboard, status line).

The pipeline publishes an immutable ``Snapshot`` a few dozen times a second and accepts ``Command``s through a
thread-safe queue; the tray and the dashboard never touch pipeline internals, so they can be tested against a fake
controller and can never block tracking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutputInfo:
    name: str  # "vmc" | "ifm" | "vts" | "vcam"
    enabled: bool
    state: str  # ok | connecting | waiting | error | off
    packets_per_s: float = 0.0
    packets: int = 0  # total sent since start
    last_error: str | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """Everything a viewer shows, as plain JSON-able values."""

    state: str  # starting | tracking | no_face | paused | error | stopped
    message: str = ""  # human-readable cause when state is error (what + how to fix)
    fps: float = 0.0
    face: bool = False
    t: float = 0.0
    source: str = ""
    profile: str = ""
    profiles: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    calibrated: bool = False
    head: dict = field(default_factory=dict)  # yaw pitch roll x y z
    gaze: dict = field(default_factory=dict)
    blendshapes: dict = field(default_factory=dict)  # name -> 0..1
    values: dict = field(default_factory=dict)  # profile output -> value
    stages_ms: dict = field(default_factory=dict)  # stage -> mean ms over the last second
    outputs: tuple[OutputInfo, ...] = ()
    landmarks: tuple = ()  # a decimated list of (x, y) normalised points for drawing
    source_dropped: int = 0  # frames the camera delivered that tracking never took (it fell behind)
    latency_ms: float = 0.0  # mean time from a frame leaving the source to the last output send
    vcam: dict = field(default_factory=dict)  # the virtual camera's settings (effects, size, fps, backend)


@dataclass(frozen=True)
class Command:
    """A request from a viewer. kinds: pause, resume, toggle_output (arg=name), set_output (arg=(name, bool)),
    set_profile (arg=name), set_camera (arg=source string), set_vcam (arg={setting: value}), calibrate, quit."""

    kind: str
    arg: object = None


class Controller(Protocol):
    def snapshot(self) -> Snapshot: ...

    def preview_jpeg(self) -> bytes | None:
        """The latest camera frame as JPEG (annotated or not), or None before the first frame."""

    def submit(self, command: Command) -> None:
        """Queue a command; returns at once. Unknown kinds are ignored with a log line."""
