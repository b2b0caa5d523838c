"""The virtual camera as a daemon output under the real pipeline: switched on and off without a restart, effects
changed live and saved, the tracking path's drops and latency published, a missing driver shown as a status."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import VENDORED_CLIP, media, wait as shared_wait
from tests.render.fakecam import install
from vtbridge.daemon import config as cfg
from vtbridge.daemon.app import build_bindings, save_choices
from vtbridge.daemon.control import Command
from vtbridge.daemon.persist import choice_of
from vtbridge.daemon.pipeline import Pipeline, PipelineOptions
from vtbridge.daemon.vcam import VcamBinding, apply_changes, settings_from_config, vcam_choice
from vtbridge.errors import ConfigError
from vtbridge.render.settings import RenderSettings


def wait(predicate):
    return shared_wait(predicate, timeout=30.0, step=0.02)


def vcam_info(pipe):
    return next((o for o in pipe.snapshot().outputs if o.name == "vcam"), None)


@pytest.fixture
def daemon(monkeypatch):
    cam = install(monkeypatch)
    config = cfg.apply_overrides(cfg.DEFAULT, {"source": str(VENDORED_CLIP), "outputs.vmc.enabled": True,
                                               "outputs.vmc.targets": ["127.0.0.1:9"],
                                               "outputs.vcam.size": "640x360", "outputs.vcam.fps": 25})
    bindings = build_bindings(config, "vtube-studio")
    lines, changes = [], []
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0), bindings,
                    main_profile="vseeface", printer=lines.append, on_change=changes.append)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    yield pipe, cam, lines, changes
    pipe.stop()
    thread.join(10)
    for b in bindings:
        b.close()


def test_the_daemon_switches_the_virtual_camera_on_and_off_while_tracking(daemon):
    pipe, cam, lines, changes = daemon
    wait(lambda: pipe.snapshot().state == "tracking" and vcam_info(pipe) is not None)
    assert not vcam_info(pipe).enabled and not cam.instances  # off by default: no camera opened
    frames_before = pipe.live.frames
    pipe.submit(Command("set_output", ("vcam", True)))
    wait(lambda: cam.instances and len(cam.instances[0].frames) >= 15)
    wait(lambda: vcam_info(pipe) is not None and vcam_info(pipe).state == "ok")
    info = vcam_info(pipe)
    assert info.detail["size"] == "640x360" and info.detail["fps"] > 0 and "dropped" in info.detail
    assert cam.instances[0].frames[-1].shape == (360, 640, 3)
    assert pipe.vcam_jpeg()[:2] == b"\xff\xd8"  # the dashboard's preview of what the meeting sees
    assert pipe.live.frames > frames_before  # tracking went on while the camera started
    snap = pipe.snapshot()
    assert snap.latency_ms > 0 and snap.source_dropped >= 0 and snap.vcam["size"] == "640x360"
    pipe.submit(Command("set_output", ("vcam", False)))
    wait(lambda: cam.instances[0].closed == 1)  # released: another app may take the camera
    assert pipe.vcam_jpeg() is None
    n = pipe.live.frames
    wait(lambda: pipe.live.frames > n + 10)  # still tracking
    pipe.submit(Command("set_output", ("vcam", True)))  # and back on, no restart
    wait(lambda: len(cam.instances) == 2 and len(cam.instances[1].frames) >= 5)
    assert Command("set_output", ("vcam", True)) in changes and Command("set_output", ("vcam", False)) in changes


def test_effects_change_live_and_bad_ones_are_one_line(daemon, tmp_path):
    pipe, cam, lines, changes = daemon
    pipe.submit(Command("set_output", ("vcam", True)))
    wait(lambda: cam.instances and len(cam.instances[0].frames) >= 5)
    pipe.submit(Command("set_vcam", {"blur": 40, "frame": "auto"}))
    wait(lambda: pipe.snapshot().vcam.get("blur") == 40)
    assert Command("set_vcam", {"blur": 40}) in changes and Command("set_vcam", {"frame": "auto"}) in changes
    pipe.submit(Command("set_vcam", {"background": str(tmp_path / "missing.png")}))
    wait(lambda: any("virtual camera setting not applied" in line for line in lines))
    line = next(line for line in lines if "virtual camera setting not applied" in line)
    assert "missing.png" in line and "\n" not in line
    assert pipe.snapshot().vcam["background"] == ""  # kept the last good settings
    n = pipe.live.frames
    wait(lambda: pipe.live.frames > n + 5)


def test_missing_driver_is_a_status_with_the_hint_and_tracking_goes_on(monkeypatch):
    import pyvirtualcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {})
    config = cfg.apply_overrides(cfg.DEFAULT, {"outputs.vcam.enabled": True, "outputs.vmc.enabled": False})
    bindings = [b for b in build_bindings(config, "vtube-studio") if b.name == "vcam"]
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0), bindings,
                    main_profile="vseeface", printer=lambda _l: None)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    try:
        wait(lambda: vcam_info(pipe) is not None and vcam_info(pipe).state == "error")
        assert vcam_info(pipe).last_error.startswith("no virtual camera found")
        n = pipe.live.frames
        wait(lambda: pipe.live.frames > n + 10)
        assert "no virtual camera found" in pipe.status_line()
    finally:
        pipe.stop()
        thread.join(10)
        for b in bindings:
            b.close()


def test_config_section_and_viewer_changes_map_onto_render_settings():
    v = cfg.apply_overrides(cfg.DEFAULT, {"outputs.vcam.size": "1920x1080", "outputs.vcam.blur": 30}).outputs.vcam
    s = settings_from_config(v)
    assert (s.width, s.height, s.blur, s.fps) == (1920, 1080, 30, 30.0)
    assert apply_changes(s, {"size": "640x480", "mirror": True}).size == (640, 480)
    for bad in ({"blur": "x"}, {"fps": 0}, {"size": "huge"}, {"wobble": 1}, {"mirror": 1}):
        with pytest.raises(ConfigError):
            apply_changes(s, bad)
    binding = VcamBinding(v, "vseeface")
    assert binding.configure({"touch_up": 20}) == {"touch_up": 20} and binding.effects()["touch_up"] == 20
    assert binding.settings == RenderSettings(width=1920, height=1080, blur=30, touch_up=20)


def test_choices_are_saved_to_the_config():
    """Each setting a viewer changes is one saved choice (a config key and value), like a toggled output."""
    assert vcam_choice(Command("set_vcam", {"blur": 25})) == ("outputs.vcam.blur", 25)
    for cmd in (Command("set_vcam", {"blur": 25}), Command("set_vcam", {"background": "green"}),
                Command("set_output", ("vcam", True))):
        save_choices(dict([choice_of(cmd)]))
    saved = cfg.load().outputs.vcam
    assert (saved.blur, saved.background, saved.enabled) == (25, "green", True)


def test_a_hung_virtual_camera_driver_never_stops_tracking(daemon):
    pipe, cam, lines, changes = daemon
    cam.gate = threading.Event()  # the driver accepts the first frame and then hangs inside send()
    pipe.submit(Command("set_output", ("vcam", True)))
    wait(lambda: vcam_info(pipe) is not None and vcam_info(pipe).detail.get("rendered", 0) >= 1)
    n = pipe.live.frames
    wait(lambda: pipe.live.frames >= n + 40)  # tracking and the other outputs go on at the camera's rate
    assert vcam_info(pipe).detail["dropped"] >= 30  # frames the stuck camera could not take were dropped
    cam.gate.set()
    wait(lambda: len(cam.instances[0].frames) >= 3)  # and it recovers when the driver does


def test_reenact_and_stylize_from_the_config_and_the_viewers():
    """The daemon's virtual camera takes the portrait and style modes; a mode that cannot run yet (no portrait) keeps
    the camera picture with a reason instead of stopping the daemon, and bad pictures or styles are refused at once."""
    from dataclasses import replace as dc_replace

    from vtbridge.errors import VtbridgeError

    broken = VcamBinding(dc_replace(cfg.DEFAULT.outputs.vcam, mode="reenact"), "vseeface")
    assert broken.settings.mode == "passthrough" and "needs a portrait" in broken.problem
    portrait = str(media("portrait_s5.jpg"))
    assert broken.configure({"portrait": portrait, "mode": "reenact"}) == {"portrait": portrait, "mode": "reenact"}
    assert broken.effects()["mode"] == "reenact"
    for bad in ({"portrait": "nowhere.jpg"}, {"style": "nosuchstyle"}, {"style": "missing.onnx"},
                {"style_region": "elbow"}, {"engine": "magic"}):
        with pytest.raises(VtbridgeError):
            broken.configure(bad)
    assert broken.effects()["portrait"] == portrait  # a refused change leaves the last good settings
    assert broken.configure({"style": "3:0.5,12:0.5", "mode": "stylize"})["mode"] == "stylize"


def test_the_daemon_switches_to_a_reenacted_portrait_live_and_keeps_tracking(daemon):
    """Switched to ``reenact`` from a viewer while running: the meeting sees the portrait moving, tracking goes on."""
    import numpy as np

    from vtbridge.frames import Frame, empty_face
    from vtbridge.render import make_renderer

    pipe, cam, lines, changes = daemon
    wait(lambda: pipe.snapshot().state == "tracking" and vcam_info(pipe) is not None)
    pipe.submit(Command("set_output", ("vcam", True)))
    wait(lambda: cam.instances and len(cam.instances[0].frames) >= 5)
    portrait = str(media("portrait_s5.jpg"))
    pipe.submit(Command("set_vcam", {"portrait": portrait, "mode": "reenact"}))
    wait(lambda: pipe.snapshot().vcam.get("mode") == "reenact")
    n_frames, n_tracked = len(cam.instances[0].frames), pipe.live.frames
    wait(lambda: len(cam.instances[0].frames) >= n_frames + 30)
    assert pipe.live.frames >= n_tracked + 20  # tracking kept going while the portrait rendered
    rest = make_renderer(RenderSettings(mode="reenact", portrait=portrait, width=640, height=360))
    still = rest.render(Frame(np.zeros((360, 640, 3), np.uint8), 0.0, 0, "x"), empty_face(0.0))
    rest.close()
    shown = cam.instances[0].frames[-1].reshape(360, 640, 3).astype(int)
    assert np.abs(shown - still.astype(int)).mean() < 25  # the portrait, posed: not the camera picture
    assert ("outputs.vcam.mode", "reenact") in [choice_of(c) for c in changes if c.kind == "set_vcam"]
