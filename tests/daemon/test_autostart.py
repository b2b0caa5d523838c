"""Autostart: the XDG entry for real in a temp XDG_CONFIG_HOME; the Windows and macOS entries as built text."""

from __future__ import annotations

import plistlib
import sys

import pytest

from vtbridge.daemon import autostart


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG path is the Linux/BSD backend")
def test_xdg_enable_disable(xdg):
    argv = ["/opt/vt bridge/bin/vtbridge", "run"]
    assert not autostart.is_enabled()
    autostart.enable(argv)
    path = xdg / "autostart" / "vtbridge.desktop"
    assert path.is_file() and autostart.is_enabled()
    text = path.read_text()
    assert text.startswith("[Desktop Entry]\n") and "Type=Application" in text
    assert 'Exec="/opt/vt bridge/bin/vtbridge" run' in text
    autostart.disable()
    assert not path.exists() and not autostart.is_enabled()
    autostart.disable()  # idempotent
    assert autostart.set_enabled(True, argv) is True and autostart.set_enabled(False) is False


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG path is the Linux/BSD backend")
def test_xdg_entry_switched_off_by_the_desktop_counts_as_disabled(xdg):
    autostart.enable(["vtbridge", "run"])
    path = xdg / "autostart" / "vtbridge.desktop"
    path.write_text(path.read_text().replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"))
    assert not autostart.is_enabled()


def unquote_exec(line: str) -> list[str]:
    """Parse an Exec line the way the Desktop Entry spec says: undo the string escaping (``\\\\`` -> ``\\``), then
    split on spaces outside double quotes, where a backslash takes the next character literally."""
    value = line.split("=", 1)[1].replace("\\\\", "\\").replace("%%", "%")
    args, cur, quoted, i, started = [], "", False, 0, False
    while i < len(value):
        c = value[i]
        if quoted and c == "\\":
            cur += value[i + 1]
            i += 1
        elif c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if cur or started:
                args.append(cur)
            cur, started = "", False
        else:
            cur += c
        i += 1
    if cur or started:
        args.append(cur)
    return args


@pytest.mark.parametrize("argv", [
    ["/usr/bin/vtbridge", "run"],
    ["/home/me/My Apps/python", "-m", "vtbridge.cli", "run", "--source", 'cam "$x" `y` \\z 100%'],
])
def test_desktop_exec_quoting_roundtrips(argv):
    line = next(l for l in autostart.desktop_entry(argv).splitlines() if l.startswith("Exec="))
    assert unquote_exec(line) == argv


def test_launch_agent_plist():
    data = plistlib.loads(autostart.launch_agent_plist(["/usr/local/bin/vtbridge", "run"]).encode())
    assert data == {"Label": "io.github.vtbridge", "ProgramArguments": ["/usr/local/bin/vtbridge", "run"],
                    "RunAtLoad": True, "ProcessType": "Interactive"}
    assert autostart.launch_agent_path().parts[-3:] == ("Library", "LaunchAgents", "io.github.vtbridge.plist")


def test_run_key_value_quotes_paths_with_spaces():
    value = autostart.run_key_value([r"C:\Program Files\Python311\pythonw.exe", "-m", "vtbridge.cli", "run"])
    assert value == r'"C:\Program Files\Python311\pythonw.exe" -m vtbridge.cli run'
    assert autostart.RUN_KEY == r"Software\Microsoft\Windows\CurrentVersion\Run"


def test_launch_command_runs_the_daemon():
    argv = autostart.launch_command()
    assert argv[-1] == "run"
    assert argv[0].endswith("vtbridge") or argv[1:3] == ["-m", "vtbridge.cli"]
