"""The Windows installer for real: installer/vtbridge.nsi compiled by makensis over a small stand-in payload (the
bundle's layout, tiny files), then installed and uninstalled silently under wine64 in a throw-away prefix.

What a user sees is checked where Windows keeps it: the files in %LOCALAPPDATA%\\Programs\\vtbridge, the .lnk
shortcuts, the HKCU Run value (byte-identical to the one the app's own "Start with system" writes), the Apps &
features entry, and the user's profiles, which survive an uninstall unless its box is ticked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.installer.tools import load_installer_module, tool
from vtbridge.daemon import autostart

RUN_KEY = "HKCU\\" + autostart.RUN_KEY
UNINST_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\vtbridge"
VCAM_KEY = r"HKLM\Software\Classes\CLSID\{A3FCE0F5-3493-419F-958A-ABA1250EC20B}"
WINE_HOW = "Debian: apt-get install --no-install-recommends wine64"


class Wine:
    """One wine64 prefix; HOME points inside the test folder so wine's Desktop link stays there too."""

    def __init__(self, root: Path):
        self.wine = tool("wine64", WINE_HOW, ("/usr/lib/wine/wine64",))
        self.server = tool("wineserver", WINE_HOW, ("/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver"))
        self.prefix = root / "prefix"
        (root / "home").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env = dict(env, WINEPREFIX=str(self.prefix), WINEDEBUG="-all", HOME=str(root / "home"),
                        # no Mono/Gecko prompts; no winemenubuilder (it mirrors .lnk files into Linux menus and,
                        # running in the install folder, keeps the uninstaller from removing that folder)
                        WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d")

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Output goes through files, not pipes: wine's background processes (wineserver, services) inherit the
        handles and would keep a pipe open long after the command itself has exited."""
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            code = subprocess.run([self.wine, *args], env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=err, timeout=timeout).returncode
            out.seek(0), err.seek(0)
            return subprocess.CompletedProcess(args, code, out.read(), err.read())

    def settle(self) -> None:
        """Wait until every process of the prefix has exited and the server has stopped."""
        subprocess.run([self.server, "-w"], env=self.env, timeout=120, check=False)

    def keep_server(self, on: bool) -> None:
        """A persistent wineserver: without it every command pays ~3 s to start one (and ~3 s to see it stop)."""
        subprocess.run([self.server, "-p" if on else "-k"], env=self.env, timeout=60, check=False,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def unix(self, win_path: str) -> Path:
        drive, _, rest = win_path.partition(":")
        assert drive.upper() == "C", win_path
        return self.prefix / "drive_c" / Path(*[p for p in rest.split("\\") if p])

    def expand(self, var: str) -> str:
        return self.run("cmd", "/c", f"echo %{var}%").stdout.strip()

    def reg_value(self, key: str, name: str | None = None) -> str | None:
        args = ["reg", "query", key] + (["/v", name] if name else ["/ve"])
        out = self.run(*args)
        if out.returncode != 0:
            return None
        for line in out.stdout.splitlines():
            parts = line.strip().split(None, 2)
            if len(parts) >= 2 and parts[1].startswith("REG_") and (parts[0] == (name or "(Default)")):
                return parts[2] if len(parts) == 3 else ""
        return None

    def reg_key_exists(self, key: str) -> bool:
        return self.run("reg", "query", key).returncode == 0


# The stand-in for the windowed launcher is a real Windows program that just stays running, like the daemon does,
# so the test can check that an upgrade stops a running vtbridge before it replaces its files.
STAND_IN_DAEMON = """
Unicode true
Target amd64-unicode
RequestExecutionLevel user
SilentInstall silent
OutFile "{out}"
Section
  Sleep 120000
SectionEnd
"""


@pytest.fixture(scope="module")
def setup_exe(tmp_path_factory) -> Path:
    """The real installer script compiled over a stand-in bundle (same layout as dist/vtbridge)."""
    makensis = tool("makensis", "Debian: apt-get install nsis")
    build = load_installer_module("build")
    root = tmp_path_factory.mktemp("nsis")
    payload = root / "payload"
    payload.mkdir()
    (root / "daemon.nsi").write_text(STAND_IN_DAEMON.format(out=payload / "vtbridgew.exe"))
    done = subprocess.run([makensis, "-V1", str(root / "daemon.nsi")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    for rel, text in {"vtbridge.exe": "console stand-in",
                      "_internal/vtbridge/_data/models/manifest.json": '{"models": []}',
                      "_internal/vtbridge/_data/profiles/vseeface.json": "{}",
                      "licenses/README.txt": "vtbridge - third-party licences (stand-in)\n"}.items():
        (payload / rel).parent.mkdir(parents=True, exist_ok=True)
        (payload / rel).write_text(text)
    icon = build.draw_icons(root / "icon")[1]
    out = root / "vtbridge-9.8.7rc1-setup.exe"
    cmd = build.makensis_command(makensis, payload, out, "9.8.7rc1", icon, payload / "licenses" / "README.txt",
                                 windows=False)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert out.read_bytes()[:2] == b"MZ"
    return out


@pytest.fixture(scope="module")
def wine(tmp_path_factory, setup_exe):
    w = Wine(tmp_path_factory.mktemp("wine"))
    boot = w.run("wineboot", "--init", timeout=300)
    w.settle()
    assert boot.returncode == 0, boot.stderr[-2000:]
    w.keep_server(True)
    yield w
    w.keep_server(False)


@pytest.fixture
def places(wine):
    """Windows paths of everything the installer touches, and the user's own data (a profile and a config)."""
    local = wine.expand("LOCALAPPDATA")
    programs = wine.expand("APPDATA") + r"\Microsoft\Windows\Start Menu\Programs"
    p = {"instdir": local + r"\Programs\vtbridge", "userdata": local + r"\vtbridge",
         "startmenu_lnk": programs + r"\vtbridge.lnk", "desktop_lnk": wine.expand("USERPROFILE") + r"\Desktop\vtbridge.lnk"}
    profile = wine.unix(p["userdata"]) / "profiles" / "my-avatar.json"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text('{"name": "my-avatar"}')
    (wine.unix(p["userdata"]) / "config.json").write_text('{"profile": "my-avatar"}')
    yield p
    if wine.unix(p["instdir"] + r"\uninstall.exe").exists():  # leave the prefix clean for the next test
        uninstall(wine, p, "/REMOVEUSERDATA")
    shutil.rmtree(wine.unix(p["userdata"]), ignore_errors=True)


def install(wine, setup_exe, *flags):
    done = wine.run(str(setup_exe), "/S", *flags)  # the installer runs to the end before it exits
    assert done.returncode == 0, done.stderr[-2000:]


def uninstall(wine, places, *flags):
    """Run the uninstaller as Apps & features does. It copies itself to %TEMP% and exits at once (so it can delete
    its own folder); the copy's last step of the main section is removing the Apps & features key, so wait for that,
    and for the user data folder when its box is ticked."""
    done = wine.run(places["instdir"] + r"\uninstall.exe", "/S", *flags)
    assert done.returncode == 0, done.stderr[-2000:]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not wine.reg_key_exists(UNINST_KEY) and not wine.unix(places["instdir"]).exists() and (
                "/REMOVEUSERDATA" not in flags or not wine.unix(places["userdata"]).exists()):
            break
        time.sleep(0.3)
    else:
        left = sorted(str(f) for f in wine.unix(places["instdir"]).rglob("*"))
        raise AssertionError(f"uninstall did not finish within 60 s; left: {left}, "
                             f"Apps & features key present: {wine.reg_key_exists(UNINST_KEY)}")
    time.sleep(0.5)  # the optional user-data section runs after the main one: let it finish either way


def lnk_target_mentions(path: Path, name: str) -> bool:
    data = path.read_bytes()
    return name.encode("utf-16-le") in data or name.encode() in data


def test_install_then_uninstall_keeps_user_profiles(wine, setup_exe, places):
    install(wine, setup_exe, "/AUTOSTART", "/DESKTOP")
    inst = wine.unix(places["instdir"])
    for rel in ("vtbridge.exe", "vtbridgew.exe", "uninstall.exe", "licenses/README.txt",
                "_internal/vtbridge/_data/profiles/vseeface.json"):
        assert (inst / rel).is_file(), rel
    assert (inst / "vtbridgew.exe").read_bytes() == (setup_exe.parent / "payload" / "vtbridgew.exe").read_bytes()
    start_menu, desktop = wine.unix(places["startmenu_lnk"]), wine.unix(places["desktop_lnk"])
    assert start_menu.is_file() and lnk_target_mentions(start_menu, "vtbridgew.exe")
    assert desktop.is_file()
    # The Run value is exactly what the tray's "Start with system" writes for this install (one mechanism).
    gui = places["instdir"] + "\\" + autostart.GUI_LAUNCHER + ".exe"
    assert wine.reg_value(RUN_KEY, autostart.RUN_VALUE) == autostart.run_key_value([gui, "run"])
    assert wine.reg_value(UNINST_KEY, "DisplayName") == "vtbridge"
    assert wine.reg_value(UNINST_KEY, "DisplayVersion") == "9.8.7rc1"  # a pre-release builds too
    assert wine.reg_value(UNINST_KEY, "UninstallString") == f'"{places["instdir"]}\\uninstall.exe"'
    assert wine.reg_value(UNINST_KEY, "InstallLocation") == places["instdir"]

    uninstall(wine, places)
    assert not inst.exists()
    assert not start_menu.exists() and not desktop.exists()
    assert wine.reg_value(RUN_KEY, autostart.RUN_VALUE) is None
    assert not wine.reg_key_exists(UNINST_KEY)
    user = wine.unix(places["userdata"])
    assert (user / "profiles" / "my-avatar.json").read_text() == '{"name": "my-avatar"}'
    assert (user / "config.json").is_file()


def test_uninstall_box_removes_user_data_too(wine, setup_exe, places):
    install(wine, setup_exe)
    assert wine.reg_value(RUN_KEY, autostart.RUN_VALUE) is None  # "Start with Windows" is off unless ticked
    uninstall(wine, places, "/REMOVEUSERDATA")
    assert not wine.unix(places["userdata"]).exists()
    assert not wine.unix(places["instdir"]).exists()


def running_daemons(wine) -> list[int]:
    """Processes of this prefix whose command line names the windowed launcher."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            env = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "vtbridgew.exe" in cmdline and f"WINEPREFIX={wine.prefix}" in env:
            found.append(int(proc.name))
    return found


def test_upgrade_stops_vtbridge_replaces_program_files_and_keeps_start_with_windows(wine, setup_exe, places):
    install(wine, setup_exe, "/AUTOSTART")
    stale = wine.unix(places["instdir"]) / "_internal" / "removed_in_new_version.pyd"
    stale.write_text("old")
    daemon = subprocess.Popen([wine.wine, places["instdir"] + r"\vtbridgew.exe", "run"], env=wine.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not running_daemons(wine) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running_daemons(wine), "the stand-in daemon did not start"
        install(wine, setup_exe)  # the upgrade, run without /AUTOSTART: the entry the user had stays
        assert daemon.wait(timeout=30) is not None and not running_daemons(wine)  # stopped by the installer
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert not stale.exists()
    assert (wine.unix(places["instdir"]) / "vtbridge.exe").is_file()
    assert wine.reg_value(RUN_KEY, autostart.RUN_VALUE) is not None
    assert (wine.unix(places["userdata"]) / "profiles" / "my-avatar.json").is_file()
    uninstall(wine, places)
    assert wine.reg_value(RUN_KEY, autostart.RUN_VALUE) is None


def test_virtual_camera_page_detects_obs_virtual_camera(wine, setup_exe, places):
    """/CHECKVCAM runs the detection the "Virtual camera" page shows: 0 registered, 2 not."""
    assert wine.run(str(setup_exe), "/CHECKVCAM").returncode == 2
    dll = r"C:\windows\system32\kernel32.dll"  # any DLL that exists stands in for obs-virtualcam-module64.dll
    try:
        assert wine.run("reg", "add", VCAM_KEY + r"\InprocServer32", "/ve", "/d", dll, "/f").returncode == 0
        assert wine.run(str(setup_exe), "/CHECKVCAM").returncode == 0
        # OBS deleted by hand: the registration is left behind but its DLL is gone -> not usable, not found.
        gone = r"C:\Program Files\obs-studio\data\obs-plugins\win-dshow\obs-virtualcam-module64.dll"
        assert wine.run("reg", "add", VCAM_KEY + r"\InprocServer32", "/ve", "/d", gone, "/f").returncode == 0
        assert wine.run(str(setup_exe), "/CHECKVCAM").returncode == 2
    finally:
        wine.run("reg", "delete", VCAM_KEY, "/f")
    assert not wine.unix(places["instdir"]).exists()  # the check installs nothing
