"""The microphone in the daemon's controls: pipeline commands (on/off, settings, calibration) and what they save,
the tray's Microphone submenu, the dashboard's command parsing and its microphone panel in headless Chromium."""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import pytest

from tests.audio.speech import syllable_track
from tests.conftest import VENDORED_CLIP, wait
from tests.daemon.fake import FakeController
from tests.daemon.test_dashboard_browser import browser  # noqa: F401  (module fixture)
from tests.daemon.test_dashboard_browser import wait_js
from vtbridge.audio.analysis import VoiceOptions
from vtbridge.audio.voice_input import VoiceInput
from vtbridge.daemon.control import Command
from vtbridge.daemon.dashboard.server import Dashboard, parse_command
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.daemon.tray import MenuItem, build_menu, find




def test_pipeline_switches_and_tunes_the_voice_and_reports_choices(speech, tmp_path):
    wav, _ = syllable_track(speech, tmp_path)
    changes, lines = [], []
    voice = VoiceInput(str(wav), VoiceOptions(), printer=lines.append, use_calibration=False)
    pipe = Pipeline(PipelineOptions(source=str(VENDORED_CLIP), status_interval=0),
                    [Binding("vmc", "vseeface", False)], main_profile="vseeface", printer=lines.append,
                    on_change=changes.append, voice=voice)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    try:
        wait(lambda: pipe.snapshot().voice.get("state") == "off")
        assert pipe.snapshot().voice["enabled"] is False and "volume_db" not in pipe.snapshot().voice
        pipe.submit(Command("set_voice", None))  # the tray's toggle
        wait(lambda: pipe.snapshot().voice.get("state") == "listening" and "volume_db" in pipe.snapshot().voice)
        assert Command("set_voice", True) in changes
        wait(lambda: pipe.snapshot().voice.get("a", 0) > 0.5)  # "ma": the vowel bars move
        pipe.submit(Command("set_voice_option", ("gain", 12)))
        pipe.submit(Command("set_voice_option", ("gate", 5)))
        pipe.submit(Command("set_voice_option", ("loudness", 1)))
        wait(lambda: pipe.snapshot().voice.get("gain") == 12.0)
        assert voice.options.gain_db == 12.0 and voice.options.gate_db == -50.0
        assert Command("set_voice_option", ("gain", 12.0)) in changes
        assert any("audio.gate: 5 is out of range" in line for line in lines)
        assert any("unknown audio setting 'loudness'" in line for line in lines)
        pipe.submit(Command("calibrate_voice"))
        wait(lambda: pipe.snapshot().voice.get("calibrating") == "stay quiet (room noise)")
        pipe.submit(Command("set_voice", False))
        wait(lambda: pipe.snapshot().voice.get("enabled") is False)
        assert Command("set_voice", False) in changes and not voice.running
        pipe.submit(Command("calibrate_voice"))
        wait(lambda: any("turn audio on first" in line for line in lines))
    finally:
        pipe.stop()
        thread.join(10)
    assert not thread.is_alive() and not voice.running


def test_choices_are_saved_in_the_config(isolated_home):
    from vtbridge.daemon import config as cfg
    from vtbridge.daemon.app import save_choices
    from vtbridge.daemon.persist import choice_of

    save_choices(dict([choice_of(Command("set_voice", True)),
                       choice_of(Command("set_voice_option", ("mix_strength", 0.5)))]))
    saved = cfg.load().audio
    assert saved.enabled is True and saved.mix_strength == 0.5 and saved.gain == 0.0


VOICE = {"enabled": True, "state": "listening", "source": "default", "message": "", "calibrated": False,
         "calibrating": None, "calibration_progress": 0.0, "gain": 0.0, "gate": -50.0, "smoothing": 0.5,
         "mix_strength": 1.0, "volume_db": -30.0, "volume": 0.8, "a": 0.7, "i": 0.05, "u": 0.05, "e": 0.1, "o": 0.05,
         "silence": 0.05, "mix": 0.8}


def snapshot_with(voice):
    return dataclasses.replace(FakeController().snapshot(), voice=voice)


def test_tray_microphone_menu():
    menu = build_menu(snapshot_with(VOICE))
    toggle = find(menu, "Lip sync from microphone")
    assert toggle.checked is True and toggle.command == Command("set_voice", False)
    assert find(menu, "Calibrate voice").command == Command("calibrate_voice")
    gain = find(menu, "Gain")
    assert [c.checked for c in gain.children] == [True, False, False, False, False]
    assert gain.children[2].command == Command("set_voice_option", ("gain", 12.0))
    assert find(find(menu, "Mix with camera").children, "camera only").command == \
        Command("set_voice_option", ("mix_strength", 0.0))
    off = build_menu(snapshot_with(VOICE | {"enabled": False}))
    assert find(off, "Lip sync from microphone").checked is False
    assert find(off, "Calibrate voice").enabled is False
    busy = build_menu(snapshot_with(VOICE | {"state": "error"}))
    assert find(busy, "Lip sync from microphone (error)") is not None
    calibrating = build_menu(snapshot_with(VOICE | {"calibrating": 'say "aaa" (as in father)'}))
    assert find(calibrating, "Calibrating: say").enabled is False
    assert find(build_menu(snapshot_with({})), "Microphone") is None  # no microphone input: no submenu
    assert all(isinstance(i, MenuItem) for i in menu)


def test_dashboard_accepts_only_well_formed_voice_commands():
    assert parse_command('{"kind": "set_voice", "arg": true}') == Command("set_voice", True)
    assert parse_command('{"kind": "calibrate_voice"}') == Command("calibrate_voice")
    assert parse_command('{"kind": "set_voice_option", "arg": ["gate", -45]}') == \
        Command("set_voice_option", ("gate", -45.0))
    for bad in ('{"kind": "set_voice", "arg": "yes"}', '{"kind": "set_voice_option", "arg": ["volume", 1]}',
                '{"kind": "set_voice_option", "arg": ["gain", "12"]}', '{"kind": "set_voice_option", "arg": ["gain"]}',
                '{"kind": "set_voice_option", "arg": ["gain", true]}',
                '{"kind": "set_voice_option", "arg": ["gain", 1e999]}'):
        assert parse_command(bad) is None, bad


class VoiceController(FakeController):
    """The dashboard's fake controller with a microphone whose level and vowels move."""

    def __init__(self):
        super().__init__()
        self.voice = dict(VOICE)

    def submit(self, command):
        super().submit(command)
        if command.kind == "set_voice":
            self.voice["enabled"] = bool(command.arg)
        elif command.kind == "set_voice_option":
            self.voice[command.arg[0]] = command.arg[1]

    def snapshot(self):
        t = self.clock() - self.t0
        wave = 0.5 + 0.5 * math.sin(2 * math.pi * t)
        v = dict(self.voice, volume_db=-60 + 40 * wave, a=wave, silence=1 - wave)
        return dataclasses.replace(super().snapshot(), voice=v)


@pytest.fixture
def voice_page(browser):  # noqa: F811
    fake = VoiceController()
    dash = Dashboard(fake)
    url = dash.start()
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    wait_js(page, "Number(document.body.dataset.updates || 0) > 3")
    yield page, fake
    page.close()
    dash.stop()
    assert errors == []


def test_dashboard_microphone_panel_shows_the_level_and_sends_controls(voice_page):
    page, fake = voice_page
    assert page.is_visible("#voice") and page.is_checked("#voice-on")
    widths = set()
    for _ in range(12):
        widths.add(page.evaluate("document.getElementById('voice-level').style.width"))
        time.sleep(0.05)
    assert len(widths) > 3  # the level meter is live
    wait_js(page, "document.querySelectorAll('#voice-bars .bar').length === 6")
    assert page.evaluate("document.getElementById('voice-gate-mark').style.left") == "37.5%"  # -50 dBFS on -80..0
    page.click("#voice-on")
    assert fake.wait_for(lambda c: c == Command("set_voice", False))
    wait_js(page, "document.getElementById('calibrate-voice').disabled === true")
    page.click("#voice-on")
    assert fake.wait_for(lambda c: c == Command("set_voice", True))
    wait_js(page, "document.getElementById('calibrate-voice').disabled === false")
    page.click("#calibrate-voice")
    assert fake.wait_for(lambda c: c == Command("calibrate_voice"))
    page.fill("#voice-gain", "12")  # a range input: fill sets the value and fires change
    page.dispatch_event("#voice-gain", "change")
    assert fake.wait_for(lambda c: c == Command("set_voice_option", ("gain", 12.0)))
    page.screenshot(path=str(__import__("tests.conftest").conftest.REPO / "test-artifacts" / "dashboard-voice.png"))
