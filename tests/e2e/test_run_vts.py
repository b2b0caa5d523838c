"""End to end: `vtbridge run --vts` on a real clip drives the VTube Studio emulator: the plugin is approved once,
then the model's default parameters follow the face (MouthOpen peaks where the mouth opens)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from tests.conftest import media
from tests.vts.emulator import VtsEmulator


def test_run_drives_vts_default_parameters_from_a_real_clip(isolated_home):
    clip = media("drive_d12.mp4")  # a man talking: the mouth opens and closes many times
    with VtsEmulator() as emu:
        proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--source", str(clip),
                               "--vts", emu.url, "--duration", "7", "--status-interval", "1"],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ))
        injections = emu.injections_snapshot()
        token_requests = emu.count("AuthenticationTokenRequest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert token_requests == 1  # approved once, then streaming with the stored token
    assert (isolated_home / "config" / "vts_token.json").exists()
    found = [i for i in injections if i.face_found]
    assert len(found) > 100  # ~25 fps for several seconds
    mouth = np.array([i.values["MouthOpen"] for i in found if "MouthOpen" in i.values])
    yaw = np.array([i.values["FaceAngleX"] for i in found if "FaceAngleX" in i.values])
    assert mouth.min() < 0.15 and mouth.max() > 0.5  # closes and opens
    assert np.all((mouth >= 0) & (mouth <= 1))  # clamped to the parameter's range
    assert np.all(np.abs(yaw) <= 30) and np.ptp(yaw) > 1  # the head moves, within FaceAngleX's range
    assert "vts: ok" in proc.stdout
