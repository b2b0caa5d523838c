"""``vtbridge models f2f-reenact``: the official test-case files in, the picture and the raw float output out,
matching the official (uncached, PyTorch) pipeline within 1e-3."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.f2f.conftest import F2F_DATA, TEST_SIZE
from vtbridge.cli import main

CASE = {
    "--source": F2F_DATA / "source" / "source.jpg",
    "--source-landmarks": F2F_DATA / "source" / "original" / "landmark.txt",
    "--source-headpose": F2F_DATA / "source" / "original" / "headpose.txt",
    "--driving-landmarks": F2F_DATA / "driving" / "original" / "landmark.txt",
    "--driving-headpose": F2F_DATA / "driving" / "original" / "headpose.txt",
}


def _args(model, out, raw=None, **override):
    case = {**CASE, **override}
    args = ["models", "f2f-reenact", "--model", str(model), "--out", str(out)]
    for k, v in case.items():
        args += [k, str(v)]
    return args + (["--raw", str(raw)] if raw else [])


def test_writes_picture_and_raw_matching_official_pipeline(converted, networks, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from PIL import Image

    from vtbridge.render.f2f.landmark_image import landmark_images

    folder, _ = converted
    out, raw = tmp_path / "result.png", tmp_path / "result.npy"
    assert main(_args(folder, out, raw)) == 0
    assert "reenacted" in capsys.readouterr().out
    got = np.load(raw)
    assert got.shape == (3, TEST_SIZE, TEST_SIZE) and got.dtype == np.float32
    picture = cv2.imread(str(out))
    assert picture.shape == (TEST_SIZE, TEST_SIZE, 3)
    expected_png = ((np.clip(got, -1, 1) + 1) / 2 * 255).astype(np.uint8).transpose(1, 2, 0)[..., ::-1]
    assert np.abs(picture.astype(int) - expected_png.astype(int)).max() <= 1

    # the official pipeline: PIL bilinear resize, 2x/255-1, landmark images, motion net, RenderingNet.forward
    rendering, motion = networks
    img = Image.open(CASE["--source"]).resize((TEST_SIZE, TEST_SIZE), Image.BILINEAR)
    src = torch.from_numpy(2.0 * np.asarray(img).astype(np.float32).transpose(2, 0, 1)[None] / 255.0 - 1.0)
    load = lambda key: np.loadtxt(CASE[key], dtype=np.float32)  # noqa: E731
    s_lmk = [torch.from_numpy(a) for a in landmark_images(load("--source-landmarks"), TEST_SIZE)]
    d_lmk = [torch.from_numpy(a) for a in landmark_images(load("--driving-landmarks"), TEST_SIZE)]
    ins = [torch.cat([s, d, torch.nn.functional.interpolate(src, size=s.shape[-2:], mode="nearest")], dim=1)
           for s, d in zip(s_lmk, d_lmk)]
    with torch.no_grad():
        want = rendering(src, motion(*ins)[2], torch.from_numpy(load("--source-headpose"))[None],
                         torch.from_numpy(load("--driving-headpose"))[None])[0].numpy()
    assert float(want.std()) > 0.02
    assert np.abs(got - want).max() < 1e-3


def test_bad_inputs_are_one_line(converted, tmp_path, capsys):
    folder, _ = converted
    short = tmp_path / "short.txt"
    short.write_text("0.1 0.2\n" * 68)
    assert main(_args(folder, tmp_path / "o.png", **{"--driving-landmarks": short})) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected 72 lines" in err[0]
    pose = tmp_path / "pose.txt"
    pose.write_text("0.1\n0.2\nabc\n")
    assert main(_args(folder, tmp_path / "o.png", **{"--source-headpose": pose})) == 1
    assert "other than numbers" in capsys.readouterr().err
    assert main(_args(tmp_path / "no_model", tmp_path / "o.png")) == 1
    assert "convert-f2f" in capsys.readouterr().err


def test_tampered_graph_is_refused(converted, tmp_path, capsys):
    import shutil

    folder, _ = converted
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    data = (copy / "f2f_drive.onnx").read_bytes()
    (copy / "f2f_drive.onnx").write_bytes(data[: len(data) // 3])
    assert main(_args(copy, tmp_path / "o.png")) == 1
    assert "does not match its manifest" in capsys.readouterr().err
