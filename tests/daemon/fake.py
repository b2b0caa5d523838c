"""A stand-in for the pipeline's ``Controller``: snapshots that move (sine waves of time), a drawn preview
frame, and a record of every submitted command. It also applies the simple commands (pause, outputs, profile,
camera) so a viewer sees the effect of what it sent, like with the real pipeline."""

from __future__ import annotations

import io
import math
import threading
import time

from PIL import Image, ImageDraw

from vtbridge.daemon.control import Command, OutputInfo, Snapshot

BLENDSHAPES = ("eyeBlinkLeft", "eyeBlinkRight", "jawOpen", "mouthSmileLeft", "mouthSmileRight", "browInnerUp")
PROFILES = ("vseeface", "vrm1", "arkit")
CAMERAS = ("0", "1", "camera:OBS Virtual Camera")


class FakeController:
    def __init__(self, *, clock=time.monotonic, outputs=("vmc", "ifm", "vts", "vcam")):
        self.clock = clock
        self.t0 = clock()
        self.commands: list[Command] = []
        self.paused = False
        self.profile = "vseeface"
        self.source = "0"
        self.enabled = {name: name in ("vmc", "vts") for name in outputs}
        self._lock = threading.Lock()

    # ---- Controller -----------------------------------------------------------------------------------------
    def submit(self, command: Command) -> None:
        with self._lock:
            self.commands.append(command)
            if command.kind in ("pause", "resume"):
                self.paused = command.kind == "pause"
            elif command.kind == "set_output":
                name, on = command.arg
                if name in self.enabled:
                    self.enabled[name] = bool(on)
            elif command.kind == "toggle_output" and command.arg in self.enabled:
                self.enabled[command.arg] = not self.enabled[command.arg]
            elif command.kind == "set_profile":
                self.profile = str(command.arg)
            elif command.kind == "set_camera":
                self.source = str(command.arg)

    def snapshot(self) -> Snapshot:
        t = self.clock() - self.t0
        wave = 0.5 + 0.5 * math.sin(2 * math.pi * 0.5 * t)
        with self._lock:
            enabled = dict(self.enabled)
            paused, profile, source = self.paused, self.profile, self.source
        outputs = tuple(
            OutputInfo(name, on, ("ok" if name != "vts" else "connecting") if on else "off",
                       packets_per_s=30.0 if on and name != "vts" else 0.0,
                       last_error="VTube Studio not running on ws://localhost:8001" if name == "vts" else None,
                       detail={"auth": "pending"} if name == "vts" else {})
            for name, on in enabled.items())
        cx, cy = 0.5 + 0.1 * math.sin(t), 0.5
        landmarks = tuple((cx + 0.15 * math.cos(a / 20 * 2 * math.pi), cy + 0.2 * math.sin(a / 20 * 2 * math.pi))
                          for a in range(20))
        return Snapshot(
            state="paused" if paused else "tracking", fps=30.0 + math.sin(t), face=True, t=t, source=source,
            profile=profile, profiles=PROFILES, cameras=CAMERAS, calibrated=False,
            head={"yaw": 20 * math.sin(t), "pitch": 10 * math.cos(t), "roll": 5 * math.sin(2 * t),
                  "x": 0.0, "y": 0.0, "z": -50.0},
            gaze={"left_yaw": 0.0, "left_pitch": 0.0},
            blendshapes={name: wave if i % 2 == 0 else 1 - wave for i, name in enumerate(BLENDSHAPES)},
            values={"Blink_L": wave, "A": 1 - wave, "Neck.yaw": -0.3 * math.sin(t)},
            stages_ms={"capture": 1.2, "track": 9.5, "filter": 0.1, "map": 0.2, "send": 0.3},
            outputs=outputs, landmarks=landmarks)

    def preview_jpeg(self) -> bytes | None:
        t = self.clock() - self.t0
        img = Image.new("RGB", (320, 240), (40, 44, 52))
        d = ImageDraw.Draw(img)
        cx = 160 + 32 * math.sin(t)
        d.ellipse((cx - 48, 72, cx + 48, 168), fill=(220, 180, 150))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)
        return buf.getvalue()

    # ---- test helpers ---------------------------------------------------------------------------------------
    def kinds(self) -> list[str]:
        with self._lock:
            return [c.kind for c in self.commands]

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if any(predicate(c) for c in self.commands):
                    return True
            time.sleep(0.02)
        return False
