"""Which cameras this computer has, by name and with their modes where the OS tells.

Linux reads /sys/class/video4linux (and ``v4l2-ctl`` for modes when installed); macOS asks ``system_profiler``;
Windows asks PnP through PowerShell. Indices follow OpenCV's order on Linux (videoN) and, best effort, on the others.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vtbridge.errors import SourceError


@dataclass(frozen=True)
class CameraInfo:
    index: int
    name: str
    path: str = ""
    modes: tuple[str, ...] = field(default=())  # e.g. "MJPG 1280x720@30"


def _linux_modes(dev: str) -> tuple[str, ...]:
    try:
        out = subprocess.run(["v4l2-ctl", "-d", dev, "--list-formats-ext"], capture_output=True, text=True,
                             timeout=3).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    modes, fourcc, size = [], "", ""
    for line in out.splitlines():
        if m := re.search(r"'(\w{4})'", line):
            fourcc = m.group(1)
        elif m := re.search(r"Size: \w+ (\d+x\d+)", line):
            size = m.group(1)
        elif m := re.search(r"\(([\d.]+) fps\)", line):
            modes.append(f"{fourcc} {size}@{float(m.group(1)):g}")
    return tuple(modes)


def list_linux(root: Path = Path("/sys/class/video4linux")) -> list[CameraInfo]:
    cams = []
    for node in sorted(root.glob("video*"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0)):
        try:
            name = (node / "name").read_text().strip()
            index = int(node.name[5:])
        except (OSError, ValueError):
            continue
        cams.append(CameraInfo(index, name, f"/dev/{node.name}", _linux_modes(f"/dev/{node.name}")))
    return cams


def list_macos() -> list[CameraInfo]:
    try:
        out = subprocess.run(["system_profiler", "-json", "SPCameraDataType"], capture_output=True, text=True,
                             timeout=10).stdout
        items = json.loads(out).get("SPCameraDataType", [])
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    return [CameraInfo(i, item.get("_name", f"camera {i}")) for i, item in enumerate(items)]


def list_windows() -> list[CameraInfo]:
    cmd = ("Get-CimInstance Win32_PnPEntity | Where-Object { $_.PNPClass -in @('Camera','Image') } | "
           "Select-Object -ExpandProperty Name")
    try:
        out = subprocess.run(["powershell", "-NoProfile", "-Command", cmd], capture_output=True, text=True,
                             timeout=15).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [CameraInfo(i, name.strip()) for i, name in enumerate(l for l in out.splitlines() if l.strip())]


def list_cameras(platform: str = sys.platform) -> list[CameraInfo]:
    if platform == "win32":
        return list_windows()
    if platform == "darwin":
        return list_macos()
    return list_linux()


def find_camera_by_name(name: str, cameras: list[CameraInfo] | None = None) -> int:
    """Index of the camera whose name contains ``name`` (case-insensitive), or a SourceError with suggestions."""
    cameras = list_cameras() if cameras is None else cameras
    wanted = name.casefold()
    for cam in cameras:
        if wanted in cam.name.casefold():
            return cam.index
    names = [c.name for c in cameras]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" did you mean {close[0]!r}?" if close else ""
    have = ", ".join(repr(n) for n in names) or "none found"
    raise SourceError(f"camera {name!r} not found (cameras: {have});{hint} run `vtbridge cameras` to list them")
