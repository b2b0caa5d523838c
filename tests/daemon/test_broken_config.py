"""A broken config.json never crashes a command or keeps the daemon from starting: every way a file can be broken
(another encoding, absurd nesting, a number of thousands of digits, a key twice) is one line naming the file,
line and column, and the daemon starts from the ``.bak`` or the defaults. Crash leftovers of writes are removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, VENDORED_CLIP
from vtbridge import cli
from vtbridge.daemon import config as cfg
from vtbridge.errors import ConfigError
from vtbridge.run_command import load_last_good

BROKEN = {
    # A Windows editor saving a path with "é" in cp1252: byte 0xE9 on line 2.
    "cp1252": ('{\n  "source": "C:\\\\Users\\\\José\\\\clip.mp4"\n}\n'.encode("cp1252"), "line 2 column 28",
               "not UTF-8"),
    "deep": (b"[" * 100000, "line 1 column 65", "nested too deeply"),
    "huge_int": (b'{"camera": {"fps": ' + b"9" * 5000 + b"}}", "line 1 column 20", "5000 characters long"),
    "duplicate_key": (b'{"profile": "arkit",\n "profile": "vseeface"}', "line 2 column 2",
                      "key 'profile' appears twice"),
    "nan": (b'{"face_lost": {"hold_s": NaN}}', "line 1 column 26", "NaN is not allowed"),
}


def write_bytes(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_is_one_config_error_with_line_and_column(case):
    data, where, what = BROKEN[case]
    write_bytes(cfg.config_path(), data)
    with pytest.raises(ConfigError) as info:
        cfg.load()
    message = str(info.value)
    assert message.startswith(f"{cfg.config_path()}: {where}: "), message
    assert what in message and "config.json.bak" in message
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_commands_print_one_line_for_a_broken_file(case, capsys):
    write_bytes(cfg.config_path(), BROKEN[case][0])
    for argv in (["config", "show"], ["config", "set", "tray", "false"], ["config", "unset", "tray"]):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        assert code in (1, 2), argv
        lines = err.strip().splitlines()
        assert len(lines) == 1 and str(cfg.config_path()) in lines[0] and BROKEN[case][1] in lines[0], (argv, err)
        assert "Traceback" not in err + out
    assert cfg.config_path().read_bytes() == BROKEN[case][0]  # never overwritten: the user can still repair it


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_daemon_starts_from_the_backup_then_from_the_defaults(case, capsys):
    path = cfg.config_path()
    write_bytes(path, BROKEN[case][0])
    write_bytes(path.with_name("config.json.bak"), b'{"profile": "arkit"}')
    config = load_last_good()
    assert config.profile == "arkit"
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("config error: ") and "using the backup" in out[0], out

    write_bytes(path.with_name("config.json.bak"), BROKEN[case][0])  # the backup is broken too
    assert load_last_good() == cfg.DEFAULT
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "using the defaults" in out[0], out


def test_vtbridge_run_starts_with_a_cp1252_config(isolated_home, tmp_path):
    """The real command, as autostart launches it: it must come up (from the backup) and track."""
    path = cfg.config_path()
    write_bytes(path, BROKEN["cp1252"][0])
    write_bytes(path.with_name("config.json.bak"), json.dumps({"profile": "arkit"}).encode())
    env = dict(os.environ, VTBRIDGE_HOME=str(isolated_home))
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--no-dashboard", "--source",
                           str(VENDORED_CLIP), "--vmc", "127.0.0.1:9", "--duration", "2", "--status-interval", "0"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "line 2 column 28" in proc.stdout and "using the backup" in proc.stdout
    assert "vmc (arkit, " in proc.stdout


def test_backup_keeps_the_previous_file_byte_for_byte():
    path = cfg.config_path()
    original = '{\n  "profile": "arkit",\n  "source": "C:\\\\Users\\\\José\\\\clip.mp4"\n}\n'.encode()
    write_bytes(path, original)
    cfg.set_value("flip_input", True)
    assert path.with_name("config.json.bak").read_bytes() == original


def test_stale_temp_files_are_removed_at_the_next_write():
    path = cfg.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    stale = [path.with_name("config.json.k3j4h5.tmp"), path.with_name("config.json.bak.x8y9z0.tmp")]
    for tmp in stale:
        tmp.write_text('{"half": ')
        old = time.time() - 3600
        os.utime(tmp, (old, old))
    in_flight = path.with_name("config.json.fresh1.tmp")  # another process writing right now: left alone
    in_flight.write_text("{")
    unrelated = path.with_name("notes.tmp")
    unrelated.write_text("mine")
    cfg.set_value("flip_input", True)
    cfg.set_value("flip_input", False)  # the second write also writes the .bak
    assert not any(t.exists() for t in stale)
    assert in_flight.exists() and unrelated.exists()
    assert json.loads(path.read_text()) == {}
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.json", "config.json.bak", "config.json.fresh1.tmp",
                                                             "notes.tmp"]


def test_config_set_reads_values_with_the_strict_reader(capsys):
    assert cli.main(["config", "set", "filter.blendshapes.beta", "NaN"]) == 2  # text, not a float NaN
    assert 'expected a number, got "NaN"' in capsys.readouterr().err
    assert cli.main(["config", "set", "camera.fps", "[" * 100000]) == 2  # no RecursionError: just a wrong value
    err = capsys.readouterr().err
    assert "camera.fps: expected a whole number" in err and "Traceback" not in err
