"""Regression tests for failure paths found in review: nothing a user or the OS can cause may take tracking down."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import VENDORED_CLIP
from vtbridge.daemon import app, config as cfg
from vtbridge.daemon.control import Command
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.errors import ConfigError, OutputError
from vtbridge.frames import ARKIT_NAMES, FaceFrame, HeadPose, empty_face
from vtbridge.native import native_stderr_silenced
from vtbridge.outputs.udp import vmc_output
from vtbridge.signal.calibration import Calibration, apply_calibration
from vtbridge.signal.face_lost import FaceLostParams
from vtbridge.signal.smoothing import FaceSmoother, FilterConfig


def test_saving_a_choice_on_a_broken_disk_is_reported_not_raised(isolated_home, capsys):
    (isolated_home / "config" / "config.json.bak").mkdir(parents=True)  # the backup path cannot be written
    (isolated_home / "config" / "config.json").write_text("{}")
    app.save_choices({"profile": "arkit"})
    assert "could not save the setting" in capsys.readouterr().out


def test_an_output_that_cannot_be_made_is_switched_off_with_its_reason():
    def broken():
        raise RuntimeError("driver exploded")

    b = Binding("vts", "vtube-studio", True, factory=broken)
    b.build()
    assert b.output is None and not b.enabled and "driver exploded" in b.error


def test_unresolvable_targets_are_user_errors():
    with pytest.raises(OutputError, match="cannot resolve host"):
        vmc_output(["a..b:39539"])
    with pytest.raises(ConfigError, match="a..b:39539"):
        cfg.apply_overrides(cfg.DEFAULT, {"outputs.vmc.targets": ["a..b:39539"]})


def test_picking_a_profile_moves_only_the_output_that_follows_it():
    vmc = Binding("vmc", "vseeface", False, follows_main=True)
    vts = Binding("vts", "vtube-studio", False)
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP)), [vmc, vts], main_profile="vseeface")
    pipe._apply(Command("set_profile", "vrm1"))
    assert (vmc.profile, vts.profile, pipe.main_profile) == ("vrm1", "vtube-studio", "vrm1")
    pipe._apply(Command("set_profile", "arkit"))
    assert set(pipe._watchers) == {"arkit", "vtube-studio"}  # vrm1 and vseeface are no longer mapped


def test_switching_an_output_off_releases_it():
    made = []

    class Out:
        name = "vts"
        closed = False

        def close(self):
            self.closed = True

    def make():
        made.append(Out())
        return made[-1]

    b = Binding("vts", "vtube-studio", True, factory=make)
    b.build()
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP)), [b], main_profile="vseeface")
    pipe._apply(Command("set_output", ("vts", False)))
    assert made[0].closed and b.output is None  # VTube Studio gets its parameters back


def test_native_silencing_works_without_a_stderr(monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)  # pythonw.exe
    with native_stderr_silenced():
        pass


def test_distance_to_the_camera_survives_calibration_and_face_loss():
    b = np.zeros(len(ARKIT_NAMES), np.float32)
    face = FaceFrame(t=0, found=True, blendshapes=b, head=HeadPose(yaw=10, x=2, z=-45))
    cal = Calibration(head=HeadPose(yaw=4, x=1, z=-50), samples=10)
    out = apply_calibration(face, cal)
    assert (out.head.yaw, out.head.x, out.head.z) == (6, 1, -45)
    s = FaceSmoother(FilterConfig(enabled=False, face_lost=FaceLostParams(hold_s=0.1, ease_s=0.1)))
    s.process(face)
    gone = s.process(empty_face(5.0))
    assert gone.head.yaw == 0 and gone.head.z == -45


def test_an_unwritable_output_path_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "vtbridge.cli", "track", str(VENDORED_CLIP), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr and str(tmp_path) in r.stderr
