"""Conversion: random official-layout checkpoints -> two ONNX graphs that match our PyTorch model; manifest;
clear errors for missing, partial, truncated and wrong-architecture checkpoints."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.f2f.conftest import TEST_SIZE

torch = pytest.importorskip("torch", reason="the convert extra (torch) is not installed")

from vtbridge.cli import main  # noqa: E402
from vtbridge.convert.f2f.checkpoint import load_networks  # noqa: E402
from vtbridge.errors import ModelError  # noqa: E402
from vtbridge.models import sha256_file  # noqa: E402


def _official_forward(rendering, motion, src_img, src_lmk, drv_lmk, src_pose, drv_pose):
    """The official, uncached pipeline: motion inputs cat([src_lmk, drv_lmk, nearest(src)]), f128, forward()."""
    ins = []
    for s, d in zip(src_lmk, drv_lmk):
        small = torch.nn.functional.interpolate(src_img, size=s.shape[-2:], mode="nearest")
        ins.append(torch.cat([s, d, small], dim=1))
    with torch.no_grad():
        field = motion(*ins)[2]
        return rendering(src_img, field, src_pose, drv_pose)


def test_onnx_matches_pytorch(converted, networks):
    import onnxruntime as ort

    folder, result = converted
    assert result.max_error < 1e-4
    rendering, motion = networks
    rng = np.random.default_rng(11)
    s = TEST_SIZE
    src_img = torch.from_numpy(rng.uniform(-1, 1, (1, 3, s, s)).astype(np.float32))
    lmk = [torch.from_numpy(np.where(rng.random((1, 3, s // k, s // k)) < 0.1, 1.0, -1.0).astype(np.float32))
           for k in (16, 8, 4) for _ in range(2)]
    src_lmk, drv_lmk = lmk[0::2], lmk[1::2]
    src_pose = torch.tensor([[0.09, 0.22, 0.09, 0.274, -0.259, 0.00127]])
    drv_pose = torch.tensor([[-0.04, 0.19, 0.02, 0.280, -0.241, 0.00114]])
    want = _official_forward(rendering, motion, src_img, src_lmk, drv_lmk, src_pose, drv_pose).numpy()

    cpu = ["CPUExecutionProvider"]
    source = ort.InferenceSession(str(folder / "f2f_source.onnx"), providers=cpu)
    drive = ort.InferenceSession(str(folder / "f2f_drive.onnx"), providers=cpu)
    outs = dict(zip([o.name for o in source.get_outputs()],
                    source.run(None, {"src_image": src_img.numpy(), "src_headpose": src_pose.numpy()})))
    feeds = {**outs, "drv_headpose": drv_pose.numpy()}
    feeds.update({f"src_lmk{i}": t.numpy() for i, t in enumerate(src_lmk)})
    feeds.update({f"drv_lmk{i}": t.numpy() for i, t in enumerate(drv_lmk)})
    image, bgr = drive.run(None, feeds)
    assert image.shape == (1, 3, s, s) and bgr.shape == (s, s, 3) and bgr.dtype == np.uint8
    assert float(np.std(want)) > 0.02  # the comparison is about a picture, not a constant
    assert np.abs(image - want).max() < 1e-4
    expected_u8 = ((np.clip(want[0], -1, 1) + 1) / 2 * 255).astype(np.uint8).transpose(1, 2, 0)[..., ::-1]
    assert np.abs(bgr.astype(int) - expected_u8.astype(int)).max() <= 1


def test_two_part_graphs_chain_to_the_drive_graph(converted):
    """f2f_motion.onnx -> field -> f2f_decode.onnx computes what f2f_drive.onnx computes (OpenVINO runs the parts)."""
    import onnxruntime as ort

    folder, _ = converted
    cpu = ["CPUExecutionProvider"]
    drive, motion, decode = (ort.InferenceSession(str(folder / f"f2f_{n}.onnx"), providers=cpu)
                             for n in ("drive", "motion", "decode"))
    rng = np.random.default_rng(5)
    feeds = {}
    for i in drive.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = (np.where(rng.random(shape) < 0.1, 1.0, -1.0) if "lmk" in i.name
                         else rng.uniform(0, 1, shape)).astype(np.float32)
    feeds["drv_headpose"] = np.array([[0.1, -0.1, 0.0, 0.27, -0.25, 0.0012]], np.float32)
    want = drive.run(None, feeds)
    (field,) = motion.run(None, {i.name: feeds[i.name] for i in motion.get_inputs()})
    assert field.shape == (1, TEST_SIZE // 4, TEST_SIZE // 4, 2)
    got = decode.run(None, {"field": field, **{i.name: feeds[i.name] for i in decode.get_inputs()[1:]}})
    assert float(np.std(want[0])) > 0.02
    assert np.abs(got[0] - want[0]).max() < 1e-5 and np.abs(got[1].astype(int) - want[1]).max() <= 1


def test_manifest_records_the_graphs(converted, checkpoints):
    folder, _ = converted
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "face2facerho" and manifest["size"] == TEST_SIZE
    assert set(manifest["files"]) == {"f2f_source.onnx", "f2f_drive.onnx", "f2f_motion.onnx", "f2f_decode.onnx",
                                      "f2f_drive_fp16.onnx", "f2f_drive_int8.onnx"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == sha256_file(folder / name)
    assert set(manifest["variants"]) == {"fp16", "int8"}
    assert {"fp16", "int8"} <= set(manifest["variant_errors"]) <= {"fp16", "int8", "bf16"}
    assert manifest["checkpoints"]["motion_net"]["sha256"] == sha256_file(checkpoints / "105_motion_net.pth")


def test_missing_and_partial_folders(tmp_path, checkpoints):
    with pytest.raises(ModelError, match="not found"):
        load_networks(tmp_path / "nowhere")
    shutil.copy(checkpoints / "105_rendering_net.pth", tmp_path)
    with pytest.raises(ModelError, match=r"incomplete: 105_motion_net.pth missing"):
        load_networks(tmp_path)


def test_truncated_checkpoint(tmp_path, checkpoints):
    shutil.copy(checkpoints / "105_motion_net.pth", tmp_path)
    data = (checkpoints / "105_rendering_net.pth").read_bytes()
    (tmp_path / "105_rendering_net.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated or not a PyTorch checkpoint"):
        load_networks(tmp_path)


def test_wrong_architecture(tmp_path, checkpoints):
    shutil.copy(checkpoints / "105_motion_net.pth", tmp_path)
    state = torch.load(checkpoints / "105_rendering_net.pth", weights_only=True)
    state["de_conv_block.0.weight"] = torch.zeros(3, 32, 3, 3)
    del state["en_SPADE1.mlp_gamma.bias"]
    torch.save(state, tmp_path / "105_rendering_net.pth")
    with pytest.raises(ModelError) as err:
        load_networks(tmp_path)
    msg = str(err.value)
    assert "not the Face2FaceRHO rendering net" in msg and "en_SPADE1.mlp_gamma.bias" in msg
    assert "de_conv_block.0.weight (3, 32, 3, 3) (expected (3, 16, 3, 3))" in msg


def test_swapped_files_are_named(tmp_path, checkpoints):
    shutil.copy(checkpoints / "105_motion_net.pth", tmp_path / "105_rendering_net.pth")
    shutil.copy(checkpoints / "105_rendering_net.pth", tmp_path / "105_motion_net.pth")
    with pytest.raises(ModelError, match="look swapped"):
        load_networks(tmp_path)


def test_cli_reports_one_line(tmp_path, checkpoints, capsys):
    shutil.copy(checkpoints / "105_motion_net.pth", tmp_path)
    (tmp_path / "105_rendering_net.pth").write_bytes(b"not a checkpoint")
    assert main(["models", "convert-f2f", "--checkpoints", str(tmp_path), "--size", "256",
                 "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "105_rendering_net.pth" in err[0] and "Traceback" not in err[0]
    assert main(["models", "convert-f2f", "--checkpoints", str(tmp_path), "--size", "100"]) == 1
    assert "multiple of 16" in capsys.readouterr().err
