"""The OpenVINO backend of the Face2FaceRHO engine: the same graphs give the same picture in float32; the split
precision (motion float32, decoder bfloat16) is measured by the converter and chosen automatically only when
visually lossless on a CPU with bfloat16; provider and precision choices fail with one clear line."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.conftest import media
from vtbridge.errors import ModelError
from vtbridge.render.f2f import openvino_backend
from vtbridge.render.f2f.engine import Engine, EngineOptions, choose_engine_provider
from vtbridge.render.f2f.model import open_model

needs_openvino = pytest.mark.skipif(not openvino_backend.available(),
                                    reason="OpenVINO is not installed (pip install 'vtbridge[openvino]')")


def _prepared(folder):
    from tests.tracked import tracked
    from vtbridge.render.f2f.renderer import F2FOptions, F2FRenderer

    renderer = F2FRenderer(F2FOptions(portrait=media("portrait_s0.jpg"), size=(320, 240), model=folder,
                                      provider="cpu", workers=1))
    _, faces = tracked("drive_d20.mp4", step=3)
    renderer.render(None, faces[0])
    return renderer, [renderer.driving(face) for face in faces[1:4]]


def test_provider_choice(converted, monkeypatch):
    model = open_model(converted[0])
    assert choose_engine_provider("auto", model, openvino_installed=True) == "openvino"
    assert choose_engine_provider("auto", model, openvino_installed=False) == "cpu"
    assert choose_engine_provider("cpu", model, openvino_installed=True) == "cpu"
    with pytest.raises(ModelError, match=r"vtbridge\[openvino\]"):
        choose_engine_provider("openvino", model, openvino_installed=False)
    old = model.__class__(**{**model.__dict__, "motion": None, "decode": None})  # converted by an older vtbridge
    assert choose_engine_provider("auto", old, openvino_installed=True) == "cpu"
    with pytest.raises(ModelError, match="convert-f2f again"):
        choose_engine_provider("openvino", old, openvino_installed=True)


def test_picture_error_thresholds():
    rng = np.random.default_rng(0)
    want = rng.uniform(-0.9, 0.9, (3, 64, 64))
    same = openvino_backend.picture_error(want, want)
    assert same["rms_levels"] == 0 and same["visually_lossless"]
    slight = openvino_backend.picture_error(want, want + rng.normal(0, 0.5 / 127.5, want.shape))  # 0.5 level rms
    assert slight["visually_lossless"] and 45 < slight["psnr_db"] < 60
    noisy = openvino_backend.picture_error(want, want + rng.normal(0, 2 / 127.5, want.shape))  # 2 levels rms
    assert not noisy["visually_lossless"]
    spikes = want.copy()
    spikes.reshape(-1)[::200] += 20 / 127.5  # 0.5 % of the values 20 levels off: rms under 1.5, tail too far
    assert not openvino_backend.picture_error(want, spikes)["visually_lossless"]


@needs_openvino
def test_float32_on_openvino_matches_onnxruntime(converted):
    folder, _ = converted
    renderer, drives = _prepared(folder)
    ort_engine = Engine(EngineOptions(model=folder, provider="cpu", workers=1))
    ov_engine = Engine(EngineOptions(model=folder, provider="openvino", precision="fp32"))
    try:
        assert ov_engine.provider == "openvino" and ov_engine.precision == "fp32"
        assert ov_engine.workers == (2 if (os.cpu_count() or 1) >= 2 else 1)  # a 256² model: two in flight
        ov_prepared = ov_engine.prepare(renderer.source_image, renderer.portrait.source.points72,
                                         renderer.portrait.source.pose)
        for name, value in renderer.prepared.feeds.items():
            assert np.abs(ov_prepared.feeds[name] - value).max() < 1e-4 * max(1.0, float(np.abs(value).max()))
        for d in drives:
            a = ort_engine.drive(renderer.prepared, d.points72, d.pose)
            b = ov_engine.drive(ov_prepared, d.points72, d.pose)
            assert float(a[0].std()) > 0.02
            assert np.abs(a[0] - b[0]).max() < 1e-4 and np.abs(a[1].astype(int) - b[1].astype(int)).max() <= 1
    finally:
        ort_engine.close(), ov_engine.close(), renderer.close()


@needs_openvino
def test_bf16_decoder_is_measured_and_chosen_only_when_visually_lossless(converted, monkeypatch):
    folder, _ = converted
    model = open_model(folder)
    measured = model.errors.get("bf16")
    if not openvino_backend.cpu_has_bf16():
        assert measured is None  # nothing to measure with; auto stays float32
        assert Engine(EngineOptions(model=folder, provider="openvino")).precision == "fp32"
        with pytest.raises(ModelError, match="no bfloat16"):
            Engine(EngineOptions(model=folder, provider="openvino", precision="bf16"))
        pytest.skip("this CPU has no bfloat16 instructions: the bf16 decoder itself cannot run here")
    assert measured["visually_lossless"] is True and measured["rms_levels"] < 1.0
    renderer, drives = _prepared(folder)
    fp32 = Engine(EngineOptions(model=folder, provider="openvino", precision="fp32"))
    auto = Engine(EngineOptions(model=folder, provider="openvino"))
    try:
        assert auto.precision == "bf16"
        prepared = fp32.prepare(renderer.source_image, renderer.portrait.source.points72,
                                   renderer.portrait.source.pose)
        want = np.concatenate([fp32.drive(prepared, d.points72, d.pose)[0].ravel() for d in drives])
        got = np.concatenate([auto.drive(prepared, d.points72, d.pose)[0].ravel() for d in drives])
        error = openvino_backend.picture_error(want, got)
        assert 0 < error["rms_levels"] < 1.0 and error["visually_lossless"]  # really bf16, and still invisible
    finally:
        fp32.close(), auto.close(), renderer.close()
    # a conversion whose measurement failed the thresholds: auto stays float32, an explicit bf16 is still allowed
    failing = {**model.errors, "bf16": {**measured, "visually_lossless": False}}
    monkeypatch.setattr("vtbridge.render.f2f.engine.open_model",
                        lambda folder: model.__class__(**{**model.__dict__, "errors": failing}))
    assert Engine(EngineOptions(model=folder, provider="openvino")).precision == "fp32"
    assert Engine(EngineOptions(model=folder, provider="openvino", precision="bf16")).precision == "bf16"


def test_precision_errors_name_the_fix(converted):
    folder, _ = converted
    with pytest.raises(ModelError, match="openvino provider only"):
        Engine(EngineOptions(model=folder, provider="cpu", precision="bf16"))
    with pytest.raises(ModelError, match="unknown precision"):
        Engine(EngineOptions(model=folder, provider="cpu", precision="half"))
    if openvino_backend.available():
        with pytest.raises(ModelError, match="GPU providers"):
            Engine(EngineOptions(model=folder, provider="openvino", precision="fp16"))


@needs_openvino
def test_renderer_on_openvino_shows_it_in_status(converted):
    from tests.tracked import tracked
    from vtbridge.render.f2f.renderer import F2FOptions, F2FRenderer

    renderer = F2FRenderer(F2FOptions(portrait=media("portrait_s0.jpg"), size=(320, 240), model=converted[0]))
    try:
        assert renderer.provider == "openvino" and "on openvino" in renderer.status()
        _, faces = tracked("drive_d20.mp4", step=3)
        outs = [renderer.render(None, face) for face in faces[:3]]
        assert all(o.shape == (240, 320, 3) for o in outs)
        assert np.abs(outs[-1].astype(int) - renderer.canvas.astype(int)).mean() > 0.5
    finally:
        renderer.close()


@needs_openvino
def test_auto_falls_back_to_onnxruntime_when_openvino_fails(converted, monkeypatch, caplog):
    """A model OpenVINO cannot compile: auto says so in the log and runs on onnxruntime; asked by name, one clear
    error."""
    from vtbridge.render.f2f import engine as engine_module

    def broken(*args, **kwargs):
        raise ModelError("OpenVINO could not compile 'f2f_decode.onnx' (unsupported op); convert the model again")

    monkeypatch.setattr(openvino_backend, "OvGraph", broken)
    e = engine_module.Engine(EngineOptions(model=converted[0]))
    try:
        assert e.provider == "cpu" and e.precision == "fp32"
        assert "using onnxruntime" in caplog.text
    finally:
        e.close()
    with pytest.raises(ModelError, match="could not compile"):
        engine_module.Engine(EngineOptions(model=converted[0], provider="openvino"))


@needs_openvino
def test_openvino_keeps_one_big_frame_in_flight(converted, monkeypatch):
    """From 384² OpenVINO's own threads split a frame well: auto keeps one in flight (onnxruntime's CPU keeps two)."""
    from vtbridge.render.f2f import engine as engine_module

    model = open_model(converted[0])
    monkeypatch.setattr(engine_module, "open_model", lambda folder: model.__class__(**{**model.__dict__, "size": 512}))
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    ov_engine = engine_module.Engine(EngineOptions(model=converted[0], provider="openvino"))
    ort_engine = engine_module.Engine(EngineOptions(model=converted[0], provider="cpu"))
    try:
        assert ov_engine.workers == 1 and ort_engine.workers == 2
    finally:
        ov_engine.close(), ort_engine.close()


@needs_openvino
def test_fallback_takes_onnxruntimes_own_frames_in_flight(converted, monkeypatch):
    """Falling back from OpenVINO at 512² (one frame in flight there), onnxruntime's CPU keeps its own two."""
    from vtbridge.render.f2f import engine as engine_module

    def broken(*args, **kwargs):
        raise ModelError("OpenVINO could not compile 'f2f_decode.onnx' (unsupported op); convert the model again")

    model = open_model(converted[0])
    monkeypatch.setattr(engine_module, "open_model", lambda folder: model.__class__(**{**model.__dict__, "size": 512}))
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(openvino_backend, "OvGraph", broken)
    e = engine_module.Engine(EngineOptions(model=converted[0]))
    try:
        assert e.provider == "cpu" and e.workers == 2
    finally:
        e.close()
