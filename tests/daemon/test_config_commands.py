"""`vtbridge config path | show | set | unset` through the real CLI parser."""

from __future__ import annotations

import json

from vtbridge.cli import main
from vtbridge.daemon import config as cfg
from vtbridge.daemon.config_commands import parse_value


def test_parse_value_json_else_string():
    assert parse_value("true") is True and parse_value("60") == 60 and parse_value('["a:1"]') == ["a:1"]
    assert parse_value("ws://localhost:8001") == "ws://localhost:8001" and parse_value("vrm1") == "vrm1"


def test_path(capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(cfg.config_path())


def test_set_then_show(capsys):
    assert main(["config", "set", "outputs.vts.enabled", "true"]) == 0
    assert main(["config", "set", "outputs.vmc.targets", '["127.0.0.1:39539", "192.168.1.20:39539"]']) == 0
    assert main(["config", "set", "outputs.vts.url", "ws://127.0.0.1:8001"]) == 0
    assert main(["config", "set", "source", "1"]) == 0
    capsys.readouterr()
    assert json.loads(cfg.config_path().read_text()) == {
        "source": "1",
        "outputs": {"vmc": {"targets": ["127.0.0.1:39539", "192.168.1.20:39539"]},
                    "vts": {"enabled": True, "url": "ws://127.0.0.1:8001"}}}
    assert main(["config", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["outputs"]["vts"]["enabled"] is True and shown["profile"] == "vseeface"  # defaults included
    assert main(["config", "show", "--changed"]) == 0
    assert "profile" not in json.loads(capsys.readouterr().out)
    assert main(["config", "show", "outputs.vmc.targets"]) == 0
    assert json.loads(capsys.readouterr().out) == ["127.0.0.1:39539", "192.168.1.20:39539"]
    assert main(["config", "show", "outputs.vts"]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == "ws://127.0.0.1:8001"


def test_bad_key_exits_2_with_did_you_mean(capsys):
    assert main(["config", "set", "outputs.vcm.enabled", "true"]) == 2
    err = capsys.readouterr().err
    assert 'unknown key "outputs.vcm.enabled"; did you mean "outputs.vcam.enabled"' in err
    assert not cfg.config_path().exists()
    assert main(["config", "show", "camera.widht"]) == 2
    assert 'did you mean "camera.width"' in capsys.readouterr().err


def test_bad_value_exits_2_and_keeps_file(capsys):
    assert main(["config", "set", "camera.fps", "30"]) == 0
    before = cfg.config_path().read_text()
    assert main(["config", "set", "outputs.ifm.targets", "localhost"]) == 2
    assert 'outputs.ifm.targets[0]: "localhost" is not HOST:PORT' in capsys.readouterr().err
    assert cfg.config_path().read_text() == before


def test_unset_restores_default(capsys):
    main(["config", "set", "dashboard.port", "8765"])
    assert main(["config", "unset", "dashboard.port"]) == 0
    assert "dashboard.port = 0 (default)" in capsys.readouterr().out
    assert json.loads(cfg.config_path().read_text()) == {}


def test_broken_file_is_a_one_line_error(capsys):
    cfg.config_path().parent.mkdir(parents=True, exist_ok=True)
    cfg.config_path().write_text("{oops")
    assert main(["config", "show"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("vtbridge: error: ") and "not valid JSON" in err and "\n" not in err
