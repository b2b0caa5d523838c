"""The dashboard's virtual-camera card in headless Chromium against the real pipeline: the meeting's view next to
the camera view, switched on from the Outputs list, effects changed with the controls (and applied live).
Screenshot: test-artifacts/dashboard-vcam.png."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import REPO, VENDORED_CLIP
from tests.daemon.test_dashboard_browser import ARGS, CHROMIUM, wait_js
from tests.daemon.helpers import need
from tests.render.fakecam import install
from vtbridge.daemon import config as cfg
from vtbridge.daemon.app import build_bindings
from vtbridge.daemon.dashboard.server import Dashboard, parse_command
from vtbridge.daemon.control import Command
from vtbridge.daemon.pipeline import Pipeline, PipelineOptions


def until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_set_vcam_messages_are_checked_before_they_reach_the_pipeline():
    assert parse_command('{"kind": "set_vcam", "arg": {"blur": 30}}') == Command("set_vcam", {"blur": 30})
    for bad in ('{"kind": "set_vcam", "arg": "blur"}', '{"kind": "set_vcam", "arg": {}}',
                '{"kind": "set_vcam", "arg": {"blur": [1]}}', '{"kind": "set_vcam", "arg": {"x": "' + "a" * 600 +
                '"}}'):
        assert parse_command(bad) is None


def test_dashboard_shows_what_the_meeting_sees_and_changes_effects(monkeypatch):
    need(programs=("chromium",), modules=("playwright",), why="dashboard browser tests need Chromium")
    from playwright.sync_api import sync_playwright

    cam = install(monkeypatch)
    config = cfg.apply_overrides(cfg.DEFAULT, {"outputs.vmc.enabled": False, "outputs.vcam.size": "640x360"})
    bindings = build_bindings(config, "vtube-studio")
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0), bindings,
                    main_profile="vseeface", printer=lambda _l: None)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    dash = Dashboard(pipe)
    url = dash.start()
    errors = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            wait_js(page, "Number(document.body.dataset.updates || 0) > 3", timeout=20)
            assert page.locator("#vcam-off").is_visible()  # off: says how to switch it on
            page.locator("#output-vcam").check()  # the Outputs list switches it on
            wait_js(page, "document.getElementById('vcam-frame').naturalWidth > 0", timeout=20)
            assert page.evaluate("document.getElementById('vcam-frame').naturalWidth") == 640
            assert cam.instances and cam.instances[0].width == 640
            page.locator("#vcam-frame-auto").check()
            page.locator("#vcam-background").fill("green")
            page.locator("#vcam-background-set").click()
            until(lambda: pipe.snapshot().vcam["background"] == "green" and pipe.snapshot().vcam["frame"] == "auto")
            page.locator("#vcam-size").select_option("1280x720")  # the camera reopens at the new size
            until(lambda: len(cam.instances) == 2 and cam.instances[1].frames)  # reopened at the new size
            assert cam.instances[1].frames[-1].shape == (720, 1280, 3) and cam.instances[0].closed == 1
            until(lambda: pipe.snapshot().vcam["size"] == "1280x720")
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            page.wait_for_timeout(600)
            page.screenshot(path=str(REPO / "test-artifacts" / "dashboard-vcam.png"))
            info = next(o for o in pipe.snapshot().outputs if o.name == "vcam")
            assert info.enabled and info.state == "ok" and info.detail["fps"] > 0
            browser.close()
    finally:
        dash.stop()
        pipe.stop()
        thread.join(10)
        for b in bindings:
            b.close()
    assert errors == []
