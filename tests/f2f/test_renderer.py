"""The runtime renderer on a real clip and portrait with a converted (random-weight) model: exact output size,
the crop blended in with a soft mask and the rest of the portrait untouched, retargeting that is the identity at
the driver's neutral, and clear errors for a missing model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import media
from tests.tracked import tracked
from vtbridge.errors import ModelError
from vtbridge.render.f2f.crop import face_crop, soft_square
from vtbridge.render.f2f.renderer import F2FOptions, F2FRenderer, make_f2f_renderer

SIZE = (640, 360)


@pytest.fixture(scope="module")
def rendered(converted):
    folder, _ = converted
    renderer = make_f2f_renderer(F2FOptions(portrait=media("portrait_s0.jpg"), size=SIZE, model=folder, workers=1,
                                            provider="cpu"))
    _, faces = tracked("drive_d20.mp4", step=3)
    outputs = [renderer.render(None, face) for face in faces[:8]]
    yield renderer, faces, outputs
    renderer.close()


def test_output_size_and_compositing(rendered):
    renderer, _, outputs = rendered
    x0, y0, x1, y1 = renderer.crop.box
    assert 0 <= x0 < x1 <= SIZE[0] and 0 <= y0 < y1 <= SIZE[1] and (x1 - x0) > 80
    for out in outputs:
        assert out.shape == (SIZE[1], SIZE[0], 3) and out.dtype == np.uint8
        outside = np.ones(out.shape[:2], bool)
        outside[y0:y1, x0:x1] = False
        assert (out[outside] == renderer.canvas[outside]).all()
        centre = out[(y0 + y1) // 2 - 10:(y0 + y1) // 2 + 10, (x0 + x1) // 2 - 10:(x0 + x1) // 2 + 10]
        still = renderer.canvas[(y0 + y1) // 2 - 10:(y0 + y1) // 2 + 10, (x0 + x1) // 2 - 10:(x0 + x1) // 2 + 10]
        assert np.abs(centre.astype(int) - still.astype(int)).mean() > 5  # the network's picture is in
    assert "cpu" in renderer.status() and renderer.provider == "cpu"


def test_two_frames_in_flight_show_each_picture_one_frame_later(rendered, converted):
    renderer, faces, outputs = rendered
    piped = F2FRenderer(F2FOptions(portrait=media("portrait_s0.jpg"), size=SIZE, model=converted[0], workers=2,
                                   provider="cpu"))
    try:
        assert "2 in flight" in piped.status()
        got = [piped.render(None, face) for face in faces[:4]]
    finally:
        piped.close()
    assert (got[0] == piped.canvas).all()  # nothing finished yet: the portrait itself
    for t in range(1, 4):  # one intra-op thread instead of two: float sums may round a level apart
        assert np.abs(got[t].astype(int) - outputs[t - 1].astype(int)).max() <= 2


def test_int8_graph_is_opt_in(converted, rendered):
    from vtbridge.render.f2f.engine import Engine, EngineOptions

    folder, result = converted
    q = result.variants["int8"]
    assert q["rms_error"] < q["signal_rms"]
    renderer, _, _ = rendered
    assert renderer.precision == "fp32"
    fp32 = Engine(EngineOptions(model=folder, provider="cpu", workers=1))  # auto on the CPU: fp32
    int8 = Engine(EngineOptions(model=folder, provider="cpu", precision="int8", workers=1))
    assert int8.precision == "int8" and fp32.precision == "fp32"
    src = renderer.portrait.source
    a = fp32.drive(renderer.prepared, src.points72, src.pose)[0]
    b = int8.drive(renderer.prepared, src.points72, src.pose)[0]
    assert a.shape == b.shape and 0 < np.abs(a - b).mean() < np.abs(a).mean()
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.9


def test_fp16_graph_is_lossless_and_chosen_for_gpu_providers(converted, rendered):
    from vtbridge.render.f2f.engine import Engine, EngineOptions

    folder, result = converted
    assert result.variants["fp16"]["max_error"] <= 0.02 and result.variants["fp16"]["rms_error"] <= 0.002
    renderer, _, _ = rendered
    src = renderer.portrait.source
    fp32 = Engine(EngineOptions(model=folder, provider="cpu", workers=1))
    fp16 = Engine(EngineOptions(model=folder, provider="cpu", precision="fp16", workers=1))
    assert fp32.precision == "fp32" and fp16.precision == "fp16"
    a = fp32.drive(renderer.prepared, src.points72, src.pose)
    b = fp16.drive(renderer.prepared, src.points72, src.pose)
    assert np.abs(a[0] - b[0]).max() <= 0.02 and np.abs(a[1].astype(int) - b[1].astype(int)).max() <= 3
    fp32.provider = "dml"  # what auto picks once a GPU provider is in use
    assert fp32._pick_precision("auto") == "fp16"


def test_no_face_shows_the_last_picture(rendered):
    renderer, faces, outputs = rendered
    from vtbridge.frames import empty_face

    assert renderer.render(None, empty_face(0.0, 0, SIZE)) is renderer._last
    assert renderer.render(None, None) is renderer._last


def test_neutral_driver_reproduces_the_portrait_inputs(rendered):
    renderer, faces, _ = rendered
    renderer.calibrate(faces[0])
    drive = renderer.driving(faces[0])
    src = renderer.portrait.source
    assert np.abs(drive.points72 - src.points72).max() < 1e-3
    assert np.abs(drive.pose - src.pose).max() < 1e-4
    moved = renderer.driving(faces[-1])
    assert np.abs(moved.points72 - src.points72).max() > 1e-3  # a later frame drives something else


def test_crop_maps_points_and_pixels_consistently():
    ys, xs = np.mgrid[0:360, 0:640]
    canvas = np.stack([xs * 0.35, ys * 0.6, xs * 0.1 + ys * 0.3], axis=2).astype(np.uint8)  # bilinear is exact
    pts = np.zeros((478, 3))
    pts[[33, 133, 159, 145], :2] = (300, 150)
    pts[[263, 362, 386, 374], :2] = (360, 150)
    pts[[13, 14, 61, 291], :2] = (330, 230)
    crop = face_crop(pts, (640, 360), 128)
    cut = crop.cut(canvas)
    # a canvas pixel centre (u = i + 0.5 in MediaPipe's edge convention) lands where the cut shows that pixel
    # a crop pixel shows the canvas where to_crop says that canvas position goes
    for ci, cj in ((64, 64), (20, 100), (110, 15)):
        i, j = (np.array([ci, cj]) - crop.forward[:, 2]) / crop.forward[0, 0]  # canvas pixel index
        u = crop.to_crop(np.array([[i + 0.5, j + 0.5]]))[0]  # MediaPipe edge convention
        assert np.allclose((u + 1) / 2 * 127, (ci, cj), atol=1e-6)
        want = np.array([i * 0.35, j * 0.6, i * 0.1 + j * 0.3])
        assert np.abs(cut[cj, ci] - want).max() <= 2.0
    pasted = crop.paste(canvas, cut)
    x0, y0, x1, y1 = crop.box
    assert (pasted[:y0] == canvas[:y0]).all() and (pasted[:, x1:] == canvas[:, x1:]).all()
    assert soft_square(100, 0.1)[50, 50] == 1.0 and soft_square(100, 0.1)[0, 50] < 0.01


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="convert-f2f"):
        F2FRenderer(F2FOptions(portrait=Path("unused.jpg"), model=tmp_path / "none"))


def test_bench_reports_f2f_speed(converted, capsys):
    import json

    from tests.conftest import VENDORED_CLIP
    from vtbridge.cli import main

    folder, _ = converted
    assert main(["bench", str(VENDORED_CLIP), "--f2f", str(folder), "--frames", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == 3
    from vtbridge.render.f2f import openvino_backend

    rows = {(r["provider"], r["precision"]): r for r in report["f2f"]}
    assert list(rows)[0] == ("cpu", "fp32") and ("cpu", "int8") in rows  # the reference first
    if openvino_backend.available():
        assert ("openvino", "fp32") in rows
        assert ("openvino", "bf16") in rows or not openvino_backend.cpu_has_bf16()
    for row in rows.values():
        assert row["size"] == 256
        assert row["network_ms"] > 0 and row["fps"] > 0 and row["fps_pipelined"] > 0 and row["x_reference"] > 0
        assert row["frame_ms"] >= row["network_ms"]
    first = rows[("cpu", "fp32")]
    assert first["x_reference"] == round(max(first["fps"], first["fps_pipelined"]) / first["fps"], 2)


def test_registry_factory_reads_render_settings(converted):
    from types import SimpleNamespace

    from vtbridge.render.f2f.renderer import renderer_factory
    from vtbridge.timing import StageTimes

    folder, _ = converted
    settings = SimpleNamespace(size=(320, 240), portrait=str(media("portrait_s0.jpg")), f2f_model=str(folder),
                               provider="cpu", workers=1)
    clock = StageTimes()
    renderer = renderer_factory(settings, clock=clock)
    try:
        _, faces = tracked("drive_d20.mp4", step=3)
        out = renderer.render(None, faces[1])
        assert out.shape == (240, 320, 3)
        assert {"f2f_drive", "f2f_network", "f2f_composite"} <= set(clock.means())
    finally:
        renderer.close()


def test_render_cli_reenact_with_the_f2f_engine(converted, tmp_path, monkeypatch, capsys):
    """``vtbridge render CLIP --mode reenact --engine f2f``: the converted model found where the converter puts it by
    default, every frame rendered at the asked size; without a converted model, one line says how to get it."""
    import shutil

    import cv2

    from vtbridge.cli import main
    from vtbridge.render.f2f.model import default_model_dir

    args = ["render", str(media("drive_d20.mp4")), "--mode", "reenact", "--engine", "f2f", "--portrait",
            str(media("portrait_s0.jpg")), "--size", "320x240", "--duration", "0.3", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "none.mp4")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "convert-f2f" in err[0]
    shutil.copytree(converted[0], default_model_dir())
    out = tmp_path / "f2f.mp4"
    assert main(args + ["--out", str(out)]) == 0
    from vtbridge.render.f2f import openvino_backend

    said = capsys.readouterr().err.strip().splitlines()[-1]  # the provider that ran is in the summary
    assert f"reenact f2f 256px on {'openvino' if openvino_backend.available() else 'cpu'} (" in said, said
    assert main(args + ["--out", str(tmp_path / "cpu.mp4"), "--provider", "cpu", "--precision", "fp32"]) == 0
    assert "on cpu (fp32," in capsys.readouterr().err.strip().splitlines()[-1]
    cap = cv2.VideoCapture(str(out))
    n = 0
    while (got := cap.read())[0]:
        n += 1
        assert got[1].shape == (240, 320, 3)
    assert n == 8  # 0.3 s of a 25 fps clip, every frame
