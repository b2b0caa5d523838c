"""The settings' schema: one frozen dataclass per section, each key with its typed default, plus the value rules
that go beyond the type. ``vtbridge.daemon.config`` walks this schema to validate, load and save the file; a new
setting is a field here (and, when its range matters, a rule in ``RULES``), nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from vtbridge.errors import ConfigError, VtbridgeError
from vtbridge.render.settings import PRECISIONS, PROVIDERS, RenderChoices


@dataclass(frozen=True)
class CameraConfig:
    width: int = 1280  # 0: the camera's own default
    height: int = 720
    fps: int = 30


@dataclass(frozen=True)
class VmcConfig:
    enabled: bool = True
    targets: tuple[str, ...] = ("127.0.0.1:39539",)
    view: str = "default"  # "default": the top-level `view`; or "mirror" / "camera" for this output only
    eye_limit: float = 10.0  # largest eye-bone rotation in degrees (UniVRM's default LookAt range)
    eye_range: float = 30.0  # gaze angle in degrees that reaches eye_limit


@dataclass(frozen=True)
class IfmConfig:
    enabled: bool = False
    targets: tuple[str, ...] = ("127.0.0.1:49983",)  # HOST:PORT, or HOST:PORT@v2 for a v2 receiver
    version: int = 1  # text version of targets that name none
    listen: int = 0  # phone mode: answer receivers' handshakes on this UDP port (49983); 0 = off
    view: str = "default"


@dataclass(frozen=True)
class VtsConfig:
    enabled: bool = False
    url: str = "ws://localhost:8001"
    rate: float = 60.0
    mode: str = "set"
    view: str = "default"


@dataclass(frozen=True)
class VcamConfig(RenderChoices):
    """The virtual camera: the picture choices of ``RenderSettings`` (mode, effects, portrait, style, character,
    provider, ...; see docs/vcam.md) plus whether it runs, its size and rate, and the virtual-camera backend."""

    enabled: bool = False
    size: str = "1280x720"
    fps: float = 30.0
    backend: str = "auto"
    device: str = ""


@dataclass(frozen=True)
class OutputsConfig:
    vmc: VmcConfig = VmcConfig()
    ifm: IfmConfig = IfmConfig()
    vts: VtsConfig = VtsConfig()
    vcam: VcamConfig = VcamConfig()


@dataclass(frozen=True)
class OneEuroConfig:
    min_cutoff: float = 1.0
    beta: float = 0.0
    d_cutoff: float = 1.0


@dataclass(frozen=True)
class FilterSection:
    """Defaults equal ``vtbridge.signal.smoothing.FilterConfig``'s (a test keeps them in step)."""

    enabled: bool = True
    blendshapes: OneEuroConfig = OneEuroConfig(min_cutoff=2.0, beta=5.0, d_cutoff=1.0)
    head_rotation: OneEuroConfig = OneEuroConfig(min_cutoff=1.0, beta=0.05, d_cutoff=1.0)
    head_position: OneEuroConfig = OneEuroConfig(min_cutoff=1.0, beta=0.1, d_cutoff=1.0)
    gaze: OneEuroConfig = OneEuroConfig(min_cutoff=2.0, beta=0.05, d_cutoff=1.0)


@dataclass(frozen=True)
class FaceLostConfig:
    hold_s: float = 0.5
    ease_s: float = 1.0


@dataclass(frozen=True)
class DashboardConfig:
    enabled: bool = True
    port: int = 0  # 0: pick a free port each start


@dataclass(frozen=True)
class AudioConfig:
    """Microphone lip sync (docs/audio.md)."""

    enabled: bool = False
    source: str = "default"  # microphone index, part of its name, "default", or a .wav file (replayed, looping)
    gain: float = 0.0  # dB added to the input level
    gate: float = -50.0  # dBFS below which the voice is silence
    smoothing: float = 0.5  # share of the previous value kept every 16 ms
    mix_strength: float = 1.0  # how far a loud voice takes the mouth from the camera (0: never, 1: fully)


@dataclass(frozen=True)
class Config:
    source: str = "0"
    camera: CameraConfig = CameraConfig()
    view: str = "mirror"  # how avatars follow you: "mirror" (like your reflection) or "camera"
    flip_input: bool = False  # flip the camera picture before tracking (cameras that deliver a mirrored image)
    profile: str = "vseeface"
    outputs: OutputsConfig = OutputsConfig()
    filter: FilterSection = FilterSection()
    face_lost: FaceLostConfig = FaceLostConfig()
    dashboard: DashboardConfig = DashboardConfig()
    audio: AudioConfig = AudioConfig()
    tray: bool = True
    autostart: bool = False


DEFAULT = Config()


# ---- value rules (beyond the type) -------------------------------------------------------------------------------
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def _host_port(value: str) -> str | None:
    """The same rule the UDP sender applies (one parser), plus a host name that can be encoded at all."""
    from vtbridge.outputs.udp import parse_target

    try:
        host, _ = parse_target(value)
        host.encode("idna")  # rejects names no resolver accepts, e.g. "a..b"
    except (VtbridgeError, UnicodeError):
        return f"{json.dumps(value)} is not HOST:PORT (e.g. 127.0.0.1:39539; IPv6 as [::1]:39539; port 1-65535)"
    return None


def _vts_url(value: str) -> str | None:
    if value == "auto" or re.match(r"^wss?://[^/\s]+(/\S*)?$", value) or value.isdigit() or _HOST_PORT.match(value):
        return None
    return f"{json.dumps(value)} is not a VTube Studio address (ws://localhost:8001, localhost:8001, 8001 or auto)"


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _between(lo: float, hi: float, unit: str = "") -> Callable[[Any], str | None]:
    def check(value):
        return None if lo <= value <= hi else f"{_num(value)} is out of range ({_num(lo)}-{_num(hi)}{unit})"
    return check


def _one_of(*choices) -> Callable[[Any], str | None]:
    def check(value):
        return None if value in choices else f"{json.dumps(value)} is not one of {', '.join(map(json.dumps, choices))}"
    return check


def _ifm_target(value: str) -> str | None:
    from vtbridge.outputs.ifm_listener import parse_ifm_target

    try:
        host, _, _ = parse_ifm_target(value)
        host.encode("idna")
    except (VtbridgeError, UnicodeError):
        return (f"{json.dumps(value)} is not HOST:PORT or HOST:PORT@v2 (e.g. 127.0.0.1:49983, "
                "192.168.1.20:49983@v2; port 1-65535)")
    return None


def _not_empty(value) -> str | None:
    return None if value else "must not be empty"


def _positive(value) -> str | None:
    return None if 0 < value <= 1000 else f"{_num(value)} is out of range (above 0, at most 1000)"


def _vcam_size(value: str) -> str | None:
    from vtbridge.render.settings import parse_size

    try:
        parse_size(value)
    except VtbridgeError as err:
        return str(err)
    return None


def _vcam_mode(value: str) -> str | None:
    from vtbridge.render import modes

    return None if value in modes() else f"{json.dumps(value)} is not one of {', '.join(map(json.dumps, modes()))}"


RULES: dict[str, Callable[[Any], str | None]] = {
    "source": _not_empty,
    "camera.width": _between(0, 7680), "camera.height": _between(0, 4320), "camera.fps": _between(0, 240),
    "profile": _not_empty,
    "view": _one_of("mirror", "camera"),
    "outputs.vmc.targets": _not_empty,
    "outputs.vmc.eye_limit": _between(0, 90, " degrees"), "outputs.vmc.eye_range": _between(1, 90, " degrees"),
    "outputs.ifm.version": _one_of(1, 2), "outputs.ifm.listen": _between(0, 65535),
    "outputs.vts.url": _vts_url, "outputs.vts.rate": _between(1, 240, " per second"),
    "outputs.vts.mode": _one_of("set", "add"),
    "face_lost.hold_s": _between(0, 60, " s"), "face_lost.ease_s": _between(0, 60, " s"),
    "dashboard.port": _between(0, 65535),
    "audio.source": _not_empty, "audio.gain": _between(-20, 40, " dB"), "audio.gate": _between(-90, 0, " dBFS"),
    "audio.smoothing": _between(0, 0.95), "audio.mix_strength": _between(0, 1),
    "outputs.vcam.mode": _vcam_mode, "outputs.vcam.size": _vcam_size, "outputs.vcam.fps": _between(1, 60, " fps"),
    "outputs.vcam.backend": _one_of("auto", "obs", "unitycapture", "v4l2loopback"),
    "outputs.vcam.blur": _between(0, 100), "outputs.vcam.touch_up": _between(0, 100),
    "outputs.vcam.frame": _one_of("off", "auto"), "outputs.vcam.light": _one_of("off", "auto"),
    "outputs.vcam.frame_zoom_max": _between(1, 4, "x"),
    "outputs.vcam.provider": _one_of(*PROVIDERS), "outputs.vcam.precision": _one_of(*PRECISIONS),
    "outputs.vcam.engine": _one_of("warp", "f2f"), "outputs.vcam.style_region": _one_of("frame", "face", "person"),
}
for _group in ("blendshapes", "head_rotation", "head_position", "gaze"):
    RULES[f"filter.{_group}.min_cutoff"] = _positive
    RULES[f"filter.{_group}.d_cutoff"] = _positive
    RULES[f"filter.{_group}.beta"] = _between(0, 1000)
for _out in ("vmc", "ifm", "vts"):
    RULES[f"outputs.{_out}.view"] = _one_of("default", "mirror", "camera")
ITEM_RULES = {"outputs.vmc.targets": _host_port, "outputs.ifm.targets": _ifm_target}


def migrate_legacy(data: dict, where: str = "config.json") -> tuple[dict, list[str]]:
    """Keys of earlier versions, rewritten to today's (a copy), with one line for the user per change.

    ``mirror`` flipped the camera picture for every output. With the VMC and iFacialMocap outputs of that time,
    ``true`` gave the mirror view and ``false`` the camera view; ``view`` now says that directly (and VTube Studio
    follows it too), so ``mirror`` becomes ``view`` with the same effect for those outputs, and the picture is no
    longer flipped (``flip_input`` does that, for cameras that deliver a mirrored picture)."""
    if not isinstance(data, dict) or "mirror" not in data:
        return data, []
    data = dict(data)
    old = data.pop("mirror")
    if not isinstance(old, bool):
        raise ConfigError(f"{where}: mirror: expected true or false, got {json.dumps(old)} (the key is now "
                          "`view`: \"mirror\" or \"camera\")")
    view = "mirror" if old else "camera"
    if "view" in data:
        return data, [f"{where}: ignored the old key `mirror` ({json.dumps(old)}): `view` is set"]
    data["view"] = view
    note = (f"{where}: the old key `mirror: {json.dumps(old)}` now reads as `view: \"{view}\"`: the same avatar "
            "view for VMC and iFacialMocap, and VTube Studio follows it too")
    if old:
        note += ("; the camera picture is no longer flipped: set `flip_input` true if your camera delivers a "
                 "mirrored picture")
    return data, [note]
