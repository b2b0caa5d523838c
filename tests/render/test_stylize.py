"""Stylised feed: the vendored style network through onnxruntime, the cartoon filter, and user ONNX models that the
tests build themselves (the real loading path, on small weights)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.errors import ConfigError, ModelError
from vtbridge.frames import Frame, empty_face
from vtbridge.render.onnx_session import choose_provider
from vtbridge.render.stylize.networks import STYLE_NAMES, style_weights
from vtbridge.render.stylize.renderer import StyleRenderer, StylizeOptions

onnx = pytest.importorskip("onnx", reason="the onnx package (test extra) builds the small test models")
from onnx import TensorProto, helper  # noqa: E402


def _frame(image, i=0):
    return Frame(image=image, t=i / 25, index=i, source="test")


def _model(path, shape, body):
    """Save a one-input, one-output float model; ``body`` returns the node list from 'x' to 'y'."""
    graph = helper.make_graph(body(), "m", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _negate(path, shape):  # y = -x: in the -1..1 range that is the colour negative
    return _model(path, shape, lambda: [helper.make_node("Neg", ["x"], ["y"])])


def test_style_specs():
    assert style_weights("oil")[STYLE_NAMES["oil"]] == 1.0
    w = style_weights("3:1,12:3")
    assert w[3] == pytest.approx(0.25) and w[12] == pytest.approx(0.75)
    for bad in ("nosuchstyle", "26", "3:x", "3:0"):
        with pytest.raises(ConfigError):
            style_weights(bad)


def test_vendored_style_network_paints_the_frame():
    frames, _ = tracked("drive_d20.mp4", step=40)
    r = StyleRenderer(StylizeOptions(style="oil", temporal=0))
    out = r.render(frames[0], empty_face(0))
    assert out.shape == frames[0].image.shape
    assert r.provider == "cpu"
    assert np.abs(out.astype(int) - frames[0].image.astype(int)).mean() > 20  # it really changed the picture
    other = StyleRenderer(StylizeOptions(style="mosaic", temporal=0)).render(frames[0], empty_face(0))
    assert np.abs(other.astype(int) - out.astype(int)).mean() > 10  # and styles differ


def test_face_region_keeps_the_background():
    frames, faces = tracked("drive_d20.mp4", step=40)
    frame, face = frames[0], faces[0]
    out = StyleRenderer(StylizeOptions(style="cartoon", region="face", temporal=0)).render(frame, face)
    w, h = face.image_size
    lm = face.landmarks_px
    cx, cy = lm[1].astype(int)
    corner = (slice(0, 30), slice(0, 30))
    assert np.array_equal(out[corner], frame.image[corner])  # far from the face: untouched
    patch = (slice(cy - 10, cy + 10), slice(cx - 10, cx + 10))
    assert np.abs(out[patch].astype(int) - frame.image[patch].astype(int)).mean() > 2  # the nose is stylised


def test_still_clip_is_stable_frame_to_frame():
    """A still scene with camera noise: consecutive stylised frames change little (no flicker)."""
    frames, _ = tracked("drive_d20.mp4", step=40)
    base = frames[0].image
    rng = np.random.default_rng(1)
    noisy = [np.clip(base.astype(int) + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8) for _ in range(12)]
    def flicker(temporal):
        r = StyleRenderer(StylizeOptions(style="oil", temporal=temporal))
        outs = [r.render(_frame(img, i), empty_face(0)).astype(int) for i, img in enumerate(noisy)]
        return np.mean([np.abs(a - b).mean() for a, b in zip(outs[4:], outs[5:])])
    damped, raw = flicker(0.6), flicker(0.0)
    assert damped < 0.6 * raw, (damped, raw)
    assert damped < 3.0  # grey levels per pixel between consecutive frames


@pytest.mark.parametrize("layout,shape", [("NCHW", [1, 3, 64, 96]), ("NHWC", [1, "h", "w", 3])])
def test_user_model_layout_and_range(tmp_path, layout, shape):
    path = _negate(tmp_path / "neg.onnx", shape)
    r = StyleRenderer(StylizeOptions(style=str(path), value_range="-1-1", temporal=0, work_height=64))
    assert r.network.spec.layout == layout
    image = np.zeros((128, 192, 3), np.uint8)
    image[:, :96] = (30, 60, 200)
    out = r.render(_frame(image), empty_face(0))
    # In -1..1, negation is the colour negative: 255 - value, wherever the picture is flat.
    assert np.abs(out[40:90, 10:80].astype(int) - (255 - np.array([30, 60, 200]))).max() <= 3
    assert np.abs(out[40:90, 120:180].astype(int) - 255).max() <= 3


def test_user_model_of_the_wrong_shape_names_its_input(tmp_path):
    path = _negate(tmp_path / "grey.onnx", [1, 1, 64, 64])
    with pytest.raises(ModelError, match=r"input 'x'.*expected a picture \[1,3,H,W\]"):
        StyleRenderer(StylizeOptions(style=str(path)))
    two = _model(tmp_path / "two.onnx", [1, 3, 8, 8], lambda: [helper.make_node("Neg", ["x"], ["y"])])
    assert StyleRenderer(StylizeOptions(style=str(two), temporal=0)).network.spec.size == (8, 8)


def test_not_an_onnx_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"definitely not protobuf")
    with pytest.raises(ModelError, match="could not be loaded"):
        StyleRenderer(StylizeOptions(style=str(bad)))
    with pytest.raises(ModelError, match="file not found"):
        StyleRenderer(StylizeOptions(style=str(tmp_path / "missing.onnx")))


def test_provider_choice():
    assert choose_provider("auto", ["CPUExecutionProvider"]) == "cpu"
    assert choose_provider("auto", ["DmlExecutionProvider", "CPUExecutionProvider"]) == "dml"
    assert choose_provider("auto", ["CUDAExecutionProvider", "CPUExecutionProvider"]) == "cuda"
    with pytest.raises(ModelError, match="onnxruntime-directml"):
        choose_provider("dml", ["CPUExecutionProvider"])
    with pytest.raises(ModelError, match="unknown onnxruntime provider"):
        choose_provider("tpu", ["CPUExecutionProvider"])
