"""``vtbridge install-desktop`` on a real (temporary) XDG tree, validated by desktop-file-validate; and the one
start-with-system mechanism that the installer, install-desktop and the tray item share."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.daemon.test_autostart import unquote_exec
from tests.installer.tools import INSTALLER, tool
from vtbridge.cli import main
from vtbridge.daemon import autostart
from vtbridge.daemon import config as cfg

linux_only = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG entries are the Linux backend")


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


def validate(path):
    exe = tool("desktop-file-validate", "Debian: apt-get install desktop-file-utils")
    done = subprocess.run([exe, str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


@linux_only
def test_install_desktop_writes_valid_menu_and_autostart_entries(xdg, capsys):
    assert main(["install-desktop"]) == 0
    out = capsys.readouterr().out
    menu = xdg / "share" / "applications" / "vtbridge.desktop"
    auto = xdg / "config" / "autostart" / "vtbridge.desktop"
    icon = xdg / "share" / "icons" / "hicolor" / "256x256" / "apps" / "vtbridge.png"
    for path in (menu, auto, icon):
        assert f"wrote {path}" in out
    validate(menu)
    validate(auto)
    from PIL import Image

    assert Image.open(icon).size == (256, 256)
    expected = autostart.launch_command()
    for entry in (menu, auto):  # both start exactly what the tray's "Start with system" starts
        line = next(l for l in entry.read_text().splitlines() if l.startswith("Exec="))
        assert unquote_exec(line) == expected
    assert "Icon=vtbridge" in menu.read_text()
    assert autostart.is_enabled() and cfg.load().autostart is True

    assert main(["install-desktop", "--uninstall"]) == 0
    out = capsys.readouterr().out
    assert not menu.exists() and not auto.exists() and not icon.exists()
    assert f"removed {menu}" in out and f"removed {auto}" in out
    assert not autostart.is_enabled() and cfg.load().autostart is False
    assert main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


@linux_only
def test_install_desktop_without_autostart(xdg):
    assert main(["install-desktop", "--no-autostart"]) == 0
    assert (xdg / "share" / "applications" / "vtbridge.desktop").is_file()
    assert not (xdg / "config" / "autostart" / "vtbridge.desktop").exists()
    assert cfg.load().autostart is False


@linux_only
def test_menu_entry_quotes_a_path_with_spaces(xdg):
    from vtbridge.daemon.desktop_entry import menu_entry

    argv = ["/home/me/My Apps/vtbridge", "run"]
    path = xdg / "x.desktop"
    path.write_text(menu_entry(argv))
    validate(path)
    assert unquote_exec(next(l for l in path.read_text().splitlines() if l.startswith("Exec="))) == argv


# ---- one mechanism: config vs. the system entry -------------------------------------------------------------------
@pytest.mark.parametrize("wanted,present,last,expected", [
    (False, True, None, True),    # first start after the installer ticked "Start with Windows": keep it
    (False, False, None, False),
    (True, False, None, True),    # `config set autostart true` before the first start
    (True, True, True, True),
    (False, True, True, False),   # the user turned it off in the config since: the config wins
    (True, False, False, True),   # ... or on
    (True, False, True, False),   # an uninstaller / the user removed the entry: the config follows
    (False, True, False, True),   # the installer (re)added it on an upgrade: the config follows
])
def test_settle(wanted, present, last, expected):
    assert autostart.settle(wanted, present, last) is expected


@linux_only
def test_daemon_start_keeps_an_entry_the_installer_wrote_and_follows_later_changes(xdg):
    argv = ["/opt/vtbridge/vtbridge", "run"]
    autostart.enable(argv)  # what install-desktop / the Windows installer do, outside the daemon
    saved = []
    assert autostart.sync_at_start(False, saved.append) is True  # first start: default config, entry kept
    assert autostart.is_enabled() and saved == [True]
    # The user sets autostart false in the config; the next start removes the entry.
    assert autostart.sync_at_start(False, saved.append) is False
    assert not autostart.is_enabled() and saved == [True]
    # The entry is added again from outside (an upgrade with the box ticked): the config follows it.
    autostart.enable(argv)
    assert autostart.sync_at_start(False, saved.append) is True and saved == [True, True]
    # The tray item turns it off: the system entry, the memo and (in app.py) the config move together.
    assert autostart.set_enabled(False) is False
    assert autostart.sync_at_start(False, saved.append) is False and not autostart.is_enabled()


# ---- the bundle's launch command ---------------------------------------------------------------------------------
def test_bundled_command_on_windows_prefers_the_windowed_launcher(tmp_path):
    (tmp_path / "vtbridge.exe").write_text("")
    assert autostart.bundled_command(str(tmp_path / "vtbridge.exe"), platform="win32") == \
        [str(tmp_path / "vtbridge.exe"), "run"]  # no vtbridgew.exe beside it: itself
    (tmp_path / "vtbridgew.exe").write_text("")
    assert autostart.bundled_command(str(tmp_path / "vtbridge.exe"), platform="win32") == \
        [str(tmp_path / "vtbridgew.exe"), "run"]
    assert autostart.bundled_command("/opt/vtbridge/vtbridge", platform="linux") == ["/opt/vtbridge/vtbridge", "run"]


@pytest.mark.parametrize("exe,platform,expected", [
    (r"C:\Users\a\AppData\Local\Programs\vtbridge\vtbridgew.exe", "win32", True),
    (r"C:\Users\a\AppData\Local\Programs\vtbridge\vtbridge.exe", "win32", False),
    ("/Applications/vtbridge.app/Contents/MacOS/vtbridge", "darwin", True),
    ("/opt/vtbridge/vtbridge", "linux", False),
])
def test_which_bundled_executables_start_the_daemon_without_arguments(exe, platform, expected):
    assert autostart.starts_daemon_without_arguments(exe.replace("\\", "/"), platform) is expected


def test_run_key_value_is_the_installers_exact_string():
    exe = r"C:\Users\me\AppData\Local\Programs\vtbridge\vtbridgew.exe"
    assert autostart.run_key_value([exe, "run"]) == f'"{exe}" run'  # installer/vtbridge.nsi: '"$INSTDIR\...exe" run'


def test_installer_script_uses_the_apps_own_autostart_names():
    nsi = (INSTALLER / "vtbridge.nsi").read_text()
    defines = dict(re.findall(r'^!define (\w+) "([^"]*)"', nsi, re.M))
    assert defines["RUN_KEY"] == autostart.RUN_KEY
    assert defines["RUN_VALUE"] == autostart.RUN_VALUE
    assert defines["GUI_EXE"] == autostart.GUI_LAUNCHER + ".exe"
    assert "'\"$INSTDIR\\${GUI_EXE}\" run'" in nsi
