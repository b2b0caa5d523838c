"""The configured profile never keeps the daemon from starting: ``config set profile`` checks the name, and at
start a profile that is missing or broken falls back to the shipped one with one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, VENDORED_CLIP
from vtbridge import cli, paths
from vtbridge.daemon import config as cfg
from vtbridge.daemon.profile_choice import usable_profile
from vtbridge.errors import ConfigError


def test_config_set_profile_refuses_a_name_that_does_not_exist(capsys):
    assert cli.main(["config", "set", "profile", "vseefce"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no profile named 'vseefce'" in err[0] and "did you mean vseeface?" in err[0], err
    assert not cfg.config_path().exists()  # nothing written
    assert cli.main(["config", "set", "profile", "arkit"]) == 0
    assert cfg.load().profile == "arkit"


def test_config_set_profile_refuses_a_broken_profile(capsys):
    user = paths.user_profiles_dir()
    user.mkdir(parents=True)
    (user / "mine.json").write_text('{"outputs": {}}')
    assert cli.main(["config", "set", "profile", "mine"]) == 2
    err = capsys.readouterr().err
    assert "mine.json" in err and "no outputs" in err and len(err.strip().splitlines()) == 1


def test_a_missing_profile_falls_back_to_the_shipped_default():
    lines = []
    assert usable_profile("no-such-profile", lines.append) == "vseeface"
    assert len(lines) == 1 and "'no-such-profile' cannot be used" in lines[0] and "shipped 'vseeface'" in lines[0]
    assert usable_profile("arkit", lines.append) == "arkit" and len(lines) == 1


def test_a_broken_user_copy_falls_back_to_the_shipped_file_of_that_name():
    user = paths.user_profiles_dir()
    user.mkdir(parents=True)
    (user / "ifacialmocap.json").write_text('{"outputs": {"A": NaN}}')
    lines = []
    chosen = usable_profile("ifacialmocap", lines.append)
    assert chosen == str(paths.shipped_profiles_dir() / "ifacialmocap.json")  # the user copy still shadows the name
    assert "line 1 column" in lines[0] or "line 1, column" in lines[0]


def test_nothing_usable_is_the_original_error(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "shipped_profiles_dir", lambda: tmp_path)
    with pytest.raises(ConfigError, match="no profile named 'gone'"):
        usable_profile("gone", print)


def run_daemon(*args):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--no-dashboard", "--source",
                           str(VENDORED_CLIP), "--duration", "1.5", "--status-interval", "0", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


def test_the_daemon_starts_when_the_configured_profile_is_missing():
    path = cfg.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profile": "no-such-profile"}))  # e.g. the user deleted their profile file
    proc = run_daemon("--vmc", "127.0.0.1:9")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "profile 'no-such-profile' cannot be used" in proc.stdout and "vmc (vseeface, " in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_mistyped_profile_flag_is_one_line_and_exit_1():
    proc = run_daemon("--profile", "arkti")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "did you mean arkit?" in proc.stderr
