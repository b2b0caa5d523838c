"""Vendored model files are checksum-verified, with errors that name the file, the checksum and the fix."""

from __future__ import annotations

import shutil

import pytest

from vtbridge import paths
from vtbridge.errors import ModelError
from vtbridge.models import load_manifest, model_path, sha256_file
from vtbridge.tracking.landmarker import Tracker, TrackerOptions

EXPECTED = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"


def test_vendored_landmarker_matches_its_manifest():
    entry = load_manifest()["face_landmarker.task"]
    assert entry.sha256 == EXPECTED and entry.licence == "Apache-2.0"
    path = model_path("face_landmarker.task")
    assert sha256_file(path) == EXPECTED and path.stat().st_size == entry.bytes
    assert (paths.models_dir() / "LICENSE-face_landmarker.txt").exists()


def _copy_models(tmp_path):
    target = tmp_path / "models"
    shutil.copytree(paths.models_dir(), target)
    return target


def test_corrupt_model_is_refused_with_name_checksum_and_fix(tmp_path, monkeypatch):
    models = _copy_models(tmp_path)
    with open(models / "face_landmarker.task", "r+b") as f:
        f.seek(1000)
        f.write(b"\x00corrupt\x00")
    monkeypatch.setenv("VTBRIDGE_MODELS_DIR", str(models))
    with pytest.raises(ModelError) as err:
        Tracker()
    msg = str(err.value)
    assert "face_landmarker.task" in msg and EXPECTED in msg and "corrupt" in msg and "restore" in msg


def test_missing_model_is_reported(tmp_path, monkeypatch):
    models = _copy_models(tmp_path)
    (models / "face_landmarker.task").unlink()
    monkeypatch.setenv("VTBRIDGE_MODELS_DIR", str(models))
    with pytest.raises(ModelError, match="missing.*face_landmarker.task.*" + EXPECTED):
        Tracker(TrackerOptions())


def test_a_repaired_file_is_accepted_again(tmp_path, monkeypatch):
    models = _copy_models(tmp_path)
    monkeypatch.setenv("VTBRIDGE_MODELS_DIR", str(models))
    good = (models / "face_landmarker.task").read_bytes()
    (models / "face_landmarker.task").write_bytes(good[:-10])
    with pytest.raises(ModelError):
        model_path("face_landmarker.task")
    (models / "face_landmarker.task").write_bytes(good)
    assert model_path("face_landmarker.task") == models / "face_landmarker.task"
