"""Start vtbridge with the user's session: Windows Run key, XDG autostart entry, or macOS LaunchAgent.

Each platform's entry is built by a pure function (testable anywhere); ``enable``/``disable``/``is_enabled``
only pick the platform and touch the file or registry value. Everything is per-user: no admin rights needed.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from vtbridge.errors import ConfigError

APP_ID = "io.github.vtbridge"  # LaunchAgent label
RUN_VALUE = "vtbridge"  # Windows Run key value name
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


GUI_LAUNCHER = "vtbridgew"  # the windowed executable of the Windows bundle (installer shortcut and Run key)


def starts_daemon_without_arguments(executable: str, platform: str = sys.platform) -> bool:
    """Whether a bundled executable started with no arguments should run the daemon: the windowed launchers
    (``vtbridgew.exe``, the macOS ``.app``) are started by the Start menu, the Run key or Finder, with no console
    to print help to."""
    path = Path(executable)
    return path.stem.lower() == GUI_LAUNCHER or (platform == "darwin" and ".app/Contents/MacOS/" in path.as_posix())


def bundled_command(executable: str, args: tuple[str, ...] = ("run",), platform: str = sys.platform) -> list[str]:
    """The launch command inside a PyInstaller bundle: on Windows the windowed ``vtbridgew.exe`` beside the running
    executable (no console window at login; the same command line the installer writes to the Run key)."""
    exe = Path(executable)
    if platform == "win32" and exe.stem.lower() != GUI_LAUNCHER:
        gui = exe.with_name(GUI_LAUNCHER + ".exe")
        exe = gui if gui.exists() else exe
    return [str(exe), *args]


def launch_command(args: tuple[str, ...] = ("run",)) -> list[str]:
    """How to start the daemon: the bundle's own executable when frozen (installer builds), else the installed
    ``vtbridge`` script, else this Python with ``-m vtbridge.cli``. On Windows ``pythonw.exe`` is preferred so no
    console window opens at login."""
    if getattr(sys, "frozen", False):
        return bundled_command(sys.executable, args)
    exe = shutil.which("vtbridge")
    if exe and sys.platform != "win32":
        return [exe, *args]
    python = Path(sys.executable)
    if sys.platform == "win32" and (python.parent / "pythonw.exe").exists():
        python = python.parent / "pythonw.exe"
    return [str(python), "-m", "vtbridge.cli", *args]


# ---- pure builders ----------------------------------------------------------------------------------------------
def _desktop_exec_arg(arg: str) -> str:
    """Quote one argument for a .desktop ``Exec`` line (Desktop Entry spec: quote reserved characters, escape
    ``" ` $ \\`` inside quotes, then escape backslashes again because the value is a string)."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`="):
        quoted = arg
    else:
        quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def desktop_exec(argv: list[str]) -> str:
    """The value of an ``Exec`` key for ``argv`` (the autostart entry and install-desktop's menu entry share it)."""
    return " ".join(_desktop_exec_arg(a) for a in argv)


def desktop_entry(argv: list[str]) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=vtbridge",
        "Comment=Webcam face motion capture for VTubers",
        "Exec=" + desktop_exec(argv),
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


def launch_agent_plist(argv: list[str]) -> str:
    return plistlib.dumps({"Label": APP_ID, "ProgramArguments": list(argv), "RunAtLoad": True,
                           "ProcessType": "Interactive"}).decode("utf-8")


def run_key_value(argv: list[str]) -> str:
    """The Run key's REG_SZ data: a Windows command line (quoting as CreateProcess parses it). The program is always
    quoted, so the value is byte-identical to the one the installer writes (``"...\\vtbridgew.exe" run``)."""
    return f'"{argv[0]}"' + "".join(" " + subprocess.list2cmdline([a]) for a in argv[1:])


# ---- per-platform places ----------------------------------------------------------------------------------------
def xdg_entry_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart" / "vtbridge.desktop"


def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def _entry_is_active(text: str) -> bool:
    lines = {line.strip().lower() for line in text.splitlines()}
    return "hidden=true" not in lines and "x-gnome-autostart-enabled=false" not in lines


def _write(path: Path, text: str) -> None:
    from vtbridge.fsutil import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as err:
        raise ConfigError(f"cannot write the autostart entry {path} ({err.strerror}); check that folder's "
                          f"permissions") from None


def enable(argv: list[str] | None = None, platform: str = sys.platform) -> None:
    argv = argv or launch_command()
    if platform == "win32":
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, run_key_value(argv))
    elif platform == "darwin":
        _write(launch_agent_path(), launch_agent_plist(argv))
    else:
        _write(xdg_entry_path(), desktop_entry(argv))


def disable(platform: str = sys.platform) -> None:
    if platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass
    else:
        path = launch_agent_path() if platform == "darwin" else xdg_entry_path()
        path.unlink(missing_ok=True)


def is_enabled(platform: str = sys.platform) -> bool:
    if platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return False
        return True
    if platform == "darwin":
        return launch_agent_path().is_file()
    try:
        return _entry_is_active(xdg_entry_path().read_text(encoding="utf-8"))
    except OSError:
        return False


def set_enabled(on: bool, argv: list[str] | None = None) -> bool:
    """Enable or disable; returns the state actually in force afterwards (what the tray shows as checked)."""
    enable(argv) if on else disable()
    now = is_enabled()
    remember(now)
    return now


# ---- who changed it last: the config, or the system (installer, uninstaller, the user's own tools) -------------
def settle(wanted: bool, present: bool, last: bool | None) -> bool:
    """The start-with-system state to hold when the daemon starts.

    ``wanted`` is the config's ``autostart``, ``present`` whether the system entry exists, ``last`` the state
    vtbridge itself last saw or set (None: never). A config changed since then (``vtbridge config set autostart``)
    wins; otherwise the entry was added or removed outside vtbridge (the installer's "Start with Windows" box,
    ``vtbridge install-desktop``, an uninstaller, the user deleting the file) and the config follows it. On the
    very first start an entry that exists is kept: the installer put it there."""
    if last is None:
        return wanted or present
    return wanted if wanted != last else present


def sync_at_start(wanted: bool, save_config: Callable[[bool], None]) -> bool:
    """Bring the system entry and the config's ``autostart`` to one state (see ``settle``); returns it."""
    present = is_enabled()
    state = settle(wanted, present, remembered())
    if state != present:
        state = set_enabled(state)
    remember(state)
    if state != wanted:
        save_config(state)
    return state


def _memo_path() -> Path:
    from vtbridge import paths

    return paths.user_state_dir() / "autostart-applied"


def remembered() -> bool | None:
    try:
        return {"1": True, "0": False}.get(_memo_path().read_text(encoding="utf-8").strip())
    except OSError:
        return None


def remember(state: bool) -> None:
    try:
        path = _memo_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("1" if state else "0", encoding="utf-8")
    except OSError:
        pass  # only a hint for the next start; losing it means "first start" rules, which keep the entry
