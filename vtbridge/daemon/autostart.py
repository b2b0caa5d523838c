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

from vtbridge.errors import ConfigError

APP_ID = "io.github.vtbridge"  # LaunchAgent label
RUN_VALUE = "vtbridge"  # Windows Run key value name
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command(args: tuple[str, ...] = ("run",)) -> list[str]:
    """How to start the daemon: the installed ``vtbridge`` script, else this Python with ``-m vtbridge.cli``.
    On Windows ``pythonw.exe`` is preferred so no console window opens at login."""
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


def desktop_entry(argv: list[str]) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=vtbridge",
        "Comment=Webcam face motion capture for VTubers",
        "Exec=" + " ".join(_desktop_exec_arg(a) for a in argv),
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


def launch_agent_plist(argv: list[str]) -> str:
    return plistlib.dumps({"Label": APP_ID, "ProgramArguments": list(argv), "RunAtLoad": True,
                           "ProcessType": "Interactive"}).decode("utf-8")


def run_key_value(argv: list[str]) -> str:
    """The Run key's REG_SZ data: a Windows command line (quoting as CreateProcess parses it)."""
    return subprocess.list2cmdline(argv)


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
    return is_enabled()
