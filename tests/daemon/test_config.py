"""Config: defaults, validation messages (file + dotted key + did-you-mean), atomic save with backup, overrides."""

from __future__ import annotations

import json
import os

import pytest

from vtbridge.daemon import config as cfg
from vtbridge.errors import ConfigError


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def test_missing_file_gives_defaults_and_path_is_in_user_config_dir(isolated_home):
    assert cfg.config_path() == isolated_home / "config" / "config.json"
    c = cfg.load()
    assert c == cfg.DEFAULT
    assert c.source == "0" and c.profile == "vseeface" and c.outputs.vmc.targets == ("127.0.0.1:39539",)
    assert c.outputs.ifm.targets == ("127.0.0.1:49983",) and c.outputs.ifm.version == 1
    assert c.outputs.vts.url == "ws://localhost:8001" and c.outputs.vts.rate == 60 and c.outputs.vts.mode == "set"
    assert c.dashboard.port == 0 and c.tray and not c.autostart


def test_partial_file_merges_with_defaults():
    write(cfg.config_path(), {"outputs": {"vts": {"enabled": True, "rate": 30}}, "flip_input": True})
    c = cfg.load()
    assert c.outputs.vts.enabled and c.outputs.vts.rate == 30.0 and isinstance(c.outputs.vts.rate, float)
    assert c.flip_input and c.outputs.vmc.enabled and c.view == "mirror"  # untouched keys keep their defaults


def test_config_is_frozen():
    with pytest.raises(Exception):
        cfg.DEFAULT.view = "camera"  # type: ignore[misc]


@pytest.mark.parametrize("data, expected", [
    ({"outputs": {"vmc": {"targets": ["abc"]}}}, 'outputs.vmc.targets[0]: "abc" is not HOST:PORT'),
    ({"outputs": {"vmc": {"targets": ["127.0.0.1:39539", "h:70000"]}}}, "outputs.vmc.targets[1]:"),
    ({"outputs": {"vcm": {}}}, 'unknown key "outputs.vcm"; did you mean "outputs.vcam" or "outputs.vmc"?'),
    ({"camera": {"widht": 640}}, 'unknown key "camera.widht"; did you mean "camera.width"'),
    ({"dashbord": {}}, 'did you mean "dashboard"?'),
    ({"mirror": "yes"}, 'mirror: expected true or false, got "yes"'),
    ({"camera": {"fps": 1.5}}, "camera.fps: expected a whole number, got 1.5"),
    ({"camera": {"width": -1}}, "camera.width: -1 is out of range"),
    ({"outputs": {"ifm": {"version": 3}}}, "outputs.ifm.version: 3 is not one of 1, 2"),
    ({"outputs": {"vts": {"mode": "replace"}}}, 'outputs.vts.mode: "replace" is not one of "set", "add"'),
    ({"outputs": {"vts": {"url": "http://x"}}}, "outputs.vts.url:"),
    ({"outputs": {"vmc": {"targets": []}}}, "outputs.vmc.targets: must not be empty"),
    ({"filter": {"gaze": {"min_cutoff": 0}}}, "filter.gaze.min_cutoff: 0 is out of range (above 0"),
    ({"dashboard": {"port": 70000}}, "dashboard.port: 70000 is out of range"),
    ({"outputs": {"vmc": True}}, "outputs.vmc: expected an object"),
    ({"tray": None}, "tray: expected true or false, got null"),
])
def test_bad_values_name_file_and_key(data, expected):
    write(cfg.config_path(), data)
    with pytest.raises(ConfigError) as err:
        cfg.load()
    msg = str(err.value)
    assert msg.startswith(f"{cfg.config_path()}: ")
    assert expected in msg
    assert "\n" not in msg


def test_invalid_json_names_line_and_suggests_backup():
    write(cfg.config_path(), '{\n  "mirror": true,\n  "profile": "x"\n  "tray": false\n}')
    with pytest.raises(ConfigError, match=r"config.json: line 4 column 3: not valid JSON .*config.json.bak"):
        cfg.load()
    write(cfg.config_path(), "[1, 2]")
    with pytest.raises(ConfigError, match="top level must be a JSON object"):
        cfg.load()


def test_accepted_value_forms():
    c = cfg.from_dict({"source": 1, "outputs": {"vmc": {"targets": "[::1]:39539"}, "vts": {"url": "auto"}},
                       "camera": {"fps": 60.0}})
    assert c.source == "1" and c.outputs.vmc.targets == ("[::1]:39539",) and c.camera.fps == 60
    for url in ("ws://127.0.0.1:8001", "localhost:8001", "8001", "wss://pc.local:8001/"):
        assert cfg.from_dict({"outputs": {"vts": {"url": url}}}).outputs.vts.url == url


def test_save_writes_only_changes_atomically_with_backup():
    path = cfg.config_path()
    first = cfg.apply_overrides(cfg.DEFAULT, {"flip_input": True})
    cfg.save(first)
    assert json.loads(path.read_text()) == {"flip_input": True}
    assert not path.with_name("config.json.bak").exists()  # nothing to back up the first time
    second = cfg.apply_overrides(first, {"outputs.ifm.enabled": True})
    cfg.save(second)
    assert json.loads(path.read_text()) == {"flip_input": True, "outputs": {"ifm": {"enabled": True}}}
    assert json.loads(path.with_name("config.json.bak").read_text()) == {"flip_input": True}
    assert cfg.load() == second
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # no temp files left


def test_save_failure_leaves_the_old_file(monkeypatch):
    cfg.save(cfg.apply_overrides(cfg.DEFAULT, {"flip_input": True}))
    before = cfg.config_path().read_text()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", boom)
        with pytest.raises(OSError):
            cfg.save(cfg.apply_overrides(cfg.DEFAULT, {"tray": False}))
    assert cfg.config_path().read_text() == before
    assert [p.name for p in cfg.config_path().parent.iterdir() if p.name.endswith(".tmp")] == []


def test_load_or_default_reports_and_keeps_last_good():
    reports = []
    assert cfg.load_or_default(report=reports.append) == cfg.DEFAULT and reports == []
    good = cfg.apply_overrides(cfg.DEFAULT, {"profile": "vrm1"})
    write(cfg.config_path(), '{"profile": ')
    assert cfg.load_or_default(last_good=good, report=reports.append) is good
    assert len(reports) == 1 and "not valid JSON" in reports[0] and "keeping the previous settings" in reports[0]
    assert cfg.load_or_default(report=reports.append) == cfg.DEFAULT
    assert "using the defaults" in reports[1]


def test_apply_overrides_validates_and_never_writes():
    c = cfg.apply_overrides(cfg.DEFAULT, {"outputs.vts.enabled": True, "outputs.vmc.targets": ["10.0.0.2:39540"],
                                          "camera.width": 640})
    assert c.outputs.vts.enabled and c.outputs.vmc.targets == ("10.0.0.2:39540",) and c.camera.width == 640
    assert cfg.DEFAULT.outputs.vts.enabled is False  # the original is untouched
    assert not cfg.config_path().exists()
    with pytest.raises(ConfigError, match='command line: unknown key "outputs.vmc.target"; did you mean '
                                          '"outputs.vmc.targets"'):
        cfg.apply_overrides(cfg.DEFAULT, {"outputs.vmc.target": []})
    with pytest.raises(ConfigError, match=r"command line: outputs.vts.rate: 0 is out of range \(1-240 per second\)"):
        cfg.apply_overrides(cfg.DEFAULT, {"outputs.vts.rate": 0})
    with pytest.raises(ConfigError, match="is a section; set one of its keys: outputs.vmc.enabled"):
        cfg.apply_overrides(cfg.DEFAULT, {"outputs.vmc": {}})


def test_partial_section_keeps_that_sections_defaults():
    c = cfg.from_dict({"filter": {"gaze": {"beta": 0.2}}})
    assert c.filter.gaze.min_cutoff == cfg.DEFAULT.filter.gaze.min_cutoff == 2.0
    assert cfg.to_dict(c, only_changed=True) == {"filter": {"gaze": {"beta": 0.2}}}


def test_set_and_unset_value_roundtrip():
    cfg.set_value("outputs.vts.enabled", True)
    cfg.set_value("filter.gaze.beta", 0.2)
    assert cfg.load().filter.gaze.beta == 0.2 and cfg.load().outputs.vts.enabled
    cfg.unset_value("filter.gaze.beta")
    assert json.loads(cfg.config_path().read_text()) == {"outputs": {"vts": {"enabled": True}}}


def test_set_refuses_to_build_on_a_broken_file():
    write(cfg.config_path(), {"mirror": "maybe"})
    with pytest.raises(ConfigError, match="mirror"):
        cfg.set_value("tray", False)
    assert json.loads(cfg.config_path().read_text()) == {"mirror": "maybe"}  # untouched


def test_filter_defaults_match_the_pipeline_filter():
    from vtbridge.signal.smoothing import FilterConfig

    assert cfg.filter_config(cfg.DEFAULT) == FilterConfig()
    tuned = cfg.filter_config(cfg.apply_overrides(cfg.DEFAULT, {"filter.blendshapes.beta": 9.0,
                                                                "face_lost.hold_s": 2.0}))
    assert tuned.blendshapes.beta == 9.0 and tuned.face_lost.hold_s == 2.0


def test_docs_list_every_key_with_its_default():
    from tests.conftest import REPO

    doc = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    for key in cfg.leaf_keys():
        default = cfg.get(cfg.DEFAULT, key)
        shown = json.dumps(list(default) if isinstance(default, tuple) else default)
        assert f"`{key}`" in doc, key
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{key}`"))
        assert f"`{shown}`" in row, (key, shown, row)
