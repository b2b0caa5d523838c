"""Face2FaceRHO fixtures: randomly initialised checkpoints with the official names, shapes and storage format,
converted once per session at a small size (256) to keep the tests cheap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA

F2F_DATA = DATA / "f2f"
TEST_SIZE = 256


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> Path:
    pytest.importorskip("torch", reason="the convert extra (torch) is not installed")
    from vtbridge.convert.f2f.synthetic import write_random_checkpoints

    return write_random_checkpoints(tmp_path_factory.mktemp("f2f_ckpt"), seed=7)


@pytest.fixture(scope="session")
def converted(checkpoints, tmp_path_factory):
    """(folder, ConvertResult) of the random checkpoints converted at TEST_SIZE."""
    from vtbridge.convert.f2f.export import convert

    out = tmp_path_factory.mktemp("f2f_model")
    return out, convert(checkpoints, out, size=TEST_SIZE)


@pytest.fixture(scope="session")
def networks(checkpoints):
    from vtbridge.convert.f2f.checkpoint import load_networks

    rendering, motion, _ = load_networks(checkpoints)
    return rendering, motion
