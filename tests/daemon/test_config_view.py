"""The avatar view and iFacialMocap settings: keys, command-line flags, and the old `mirror` key of earlier
versions (it keeps working, is explained, and is never silently flipped)."""

from __future__ import annotations

import json

import pytest

from vtbridge.cli import build_parser
from vtbridge.daemon import config as cfg
from vtbridge.daemon.app import build_bindings
from vtbridge.errors import ConfigError
from vtbridge.run_command import overrides_from_args


def write(data):
    path = cfg.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run_args(*argv):
    return overrides_from_args(build_parser().parse_args(["run", *argv]))


def test_defaults_mirror_view_no_flip_outputs_follow():
    c = cfg.DEFAULT
    assert c.view == "mirror" and not c.flip_input
    assert c.outputs.vmc.view == c.outputs.ifm.view == c.outputs.vts.view == "default"
    assert (c.outputs.vmc.eye_limit, c.outputs.vmc.eye_range) == (10.0, 30.0) and c.outputs.ifm.listen == 0


@pytest.mark.parametrize("old, view", [(True, "mirror"), (False, "camera")])
def test_old_mirror_key_keeps_the_avatar_view_it_gave_and_says_so(old, view, caplog):
    path = write({"mirror": old, "tray": False})
    c = cfg.load()
    assert c.view == view and not c.flip_input and not c.tray
    assert any("`mirror" in r.message and f'view: "{view}"' in r.message for r in caplog.records)
    cfg.set_value("outputs.ifm.enabled", True)  # the next save writes today's key; the old file is the backup
    saved = {"tray": False, "outputs": {"ifm": {"enabled": True}}} | ({} if view == "mirror" else {"view": view})
    assert json.loads(path.read_text()) == saved  # "mirror" is today's default: the file keeps only changes
    assert json.loads(path.with_name("config.json.bak").read_text()) == {"mirror": old, "tray": False}


def test_old_mirror_key_does_not_override_a_view_that_is_set():
    write({"mirror": False, "view": "mirror"})
    assert cfg.load().view == "mirror"


@pytest.mark.parametrize("data, expected", [
    ({"view": "selfie"}, 'view: "selfie" is not one of "mirror", "camera"'),
    ({"outputs": {"vts": {"view": "mirrored"}}}, 'outputs.vts.view: "mirrored" is not one of "default"'),
    ({"outputs": {"ifm": {"targets": ["1.2.3.4:49983@v3"]}}}, "outputs.ifm.targets[0]: "),
    ({"outputs": {"ifm": {"listen": 70000}}}, "outputs.ifm.listen: 70000 is out of range"),
    ({"outputs": {"vmc": {"eye_limit": 120}}}, "outputs.vmc.eye_limit: 120 is out of range"),
    ({"mirror": "yes"}, 'mirror: expected true or false, got "yes"'),
])
def test_bad_values_name_the_key(data, expected):
    with pytest.raises(ConfigError) as err:
        cfg.from_dict(data, "config.json")
    assert expected in str(err.value)


def test_run_flags_view_flip_and_the_old_mirror_flag(capsys):
    assert run_args("--view", "camera")["view"] == "camera"
    assert run_args("--flip-input")["flip_input"] is True
    o = run_args("--mirror")
    assert o["view"] == "mirror" and "flip_input" not in o
    assert "--view mirror" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--view", "selfie"])


def test_run_ifm_listen_and_targets_with_versions():
    o = run_args("--ifm", "listen")
    assert o["outputs.ifm.listen"] == 49983 and o["outputs.ifm.targets"] == [] and o["outputs.ifm.enabled"]
    o = run_args("--ifm", "listen:50000", "--ifm", "192.168.1.20:49983@v2")
    assert o["outputs.ifm.listen"] == 50000 and o["outputs.ifm.targets"] == ["192.168.1.20:49983@v2"]
    c = cfg.apply_overrides(cfg.DEFAULT, o)
    assert c.outputs.ifm.targets == ("192.168.1.20:49983@v2",) and c.outputs.ifm.listen == 50000
    with pytest.raises(ConfigError, match="listen:PORT"):
        run_args("--ifm", "listen:abc")


def test_bindings_carry_each_outputs_view():
    c = cfg.apply_overrides(cfg.DEFAULT, {"outputs.vts.view": "camera"})
    views = {b.name: b.view for b in build_bindings(c, "vtube-studio") if b.name != "vcam"}  # the picture has no view
    assert views == {"vmc": "default", "ifm": "default", "vts": "camera"}
