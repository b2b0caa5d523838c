"""``vtbridge install-desktop [--uninstall]``: put vtbridge in the desktop's application menu and start it with the
session, for installs that have no installer (pip, pipx, the Linux bundle).

Why here and not in a package script: the menu entry must start exactly the command the autostart entry starts
(``autostart.launch_command``: the pipx/pip ``vtbridge`` script, or the bundle's own executable), and the autostart
half is the very mechanism the tray's "Start with system" item and the Windows installer use (``autostart``), so
the three can never disagree. Linux gets an XDG menu entry, an icon and the XDG autostart entry; macOS and Windows
get their autostart entry (LaunchAgent, Run key); their menu entries come from the app bundle and the installer.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from vtbridge.daemon import autostart

ENTRY_NAME = "vtbridge.desktop"  # the same file name as the XDG autostart entry
ICON_NAME = "vtbridge"
ICON_SIZE = 256


@dataclass(frozen=True)
class Change:
    path: Path
    what: str  # "menu entry" | "icon" | "start with your session"


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base)


def menu_entry_path() -> Path:
    return data_home() / "applications" / ENTRY_NAME


def icon_path() -> Path:
    return data_home() / "icons" / "hicolor" / f"{ICON_SIZE}x{ICON_SIZE}" / "apps" / f"{ICON_NAME}.png"


def menu_entry(argv: list[str]) -> str:
    """The application-menu entry (Desktop Entry spec; checked with desktop-file-validate in the tests)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=vtbridge",
        "GenericName=Face Motion Capture",
        "Comment=Webcam face motion capture for VTubers, and a virtual webcam for meetings",
        "Exec=" + autostart.desktop_exec(argv),
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "StartupNotify=false",
        "Categories=AudioVideo;Video;",
        "Keywords=VTuber;VMC;VSeeFace;VTube Studio;webcam;face tracking;motion capture;",
        "",
    ])


def _write_icon(path: Path) -> None:
    """The tray's own badge, drawn at 256 px (regenerated on every install, so no atomic write is needed)."""
    from vtbridge.daemon.tray_icons import draw_icon

    path.parent.mkdir(parents=True, exist_ok=True)
    draw_icon("tracking", ICON_SIZE).save(path, format="PNG")


def install(argv: list[str] | None = None, start_with_session: bool = True,
            platform: str = sys.platform) -> list[Change]:
    """Write the entries; returns what was written. The autostart half goes through ``autostart.set_enabled`` and
    the config's ``autostart`` key, exactly like the tray item."""
    from vtbridge.daemon import config as cfg
    from vtbridge.fsutil import write_text_atomic

    argv = argv or autostart.launch_command()
    changes: list[Change] = []
    if platform not in ("win32", "darwin"):
        write_text_atomic(menu_entry_path(), menu_entry(argv))
        changes.append(Change(menu_entry_path(), "menu entry"))
        _write_icon(icon_path())
        changes.append(Change(icon_path(), "icon"))
    if start_with_session:
        autostart.set_enabled(True, argv)
        cfg.set_value("autostart", True)
        changes.append(Change(autostart_location(platform), "start with your session"))
    return changes


def uninstall(platform: str = sys.platform) -> list[Change]:
    """Remove the menu entry, the icon and the autostart entry; returns what was there. User config stays."""
    from vtbridge.daemon import config as cfg

    removed: list[Change] = []
    if platform not in ("win32", "darwin"):
        for path, what in ((menu_entry_path(), "menu entry"), (icon_path(), "icon")):
            if path.exists():
                path.unlink()
                removed.append(Change(path, what))
    if autostart.is_enabled():
        removed.append(Change(autostart_location(platform), "start with your session"))
    autostart.set_enabled(False)
    cfg.set_value("autostart", False)
    return removed


def autostart_location(platform: str = sys.platform) -> Path:
    if platform == "win32":
        return Path("HKEY_CURRENT_USER") / autostart.RUN_KEY / autostart.RUN_VALUE
    return autostart.launch_agent_path() if platform == "darwin" else autostart.xdg_entry_path()


# ---- the subcommand ----------------------------------------------------------------------------------------------
def cmd_install_desktop(args) -> int:
    if args.uninstall:
        removed = uninstall()
        for c in removed:
            print(f"removed {c.path} ({c.what})")
        if not removed:
            print("nothing to remove: no vtbridge menu entry, icon or autostart entry was installed")
        return 0
    for c in install(start_with_session=not args.no_autostart):
        print(f"wrote {c.path} ({c.what})")
    if sys.platform == "darwin":
        print("macOS asks for camera access the first time vtbridge opens the camera: allow it for the app that "
              "starts vtbridge (System Settings > Privacy & Security > Camera)")
    elif sys.platform == "win32":
        print("the Start-menu shortcut comes with the Windows installer; this added the start-with-Windows entry")
    return 0


def register(sub) -> None:
    p = sub.add_parser("install-desktop",
                       help="add vtbridge to the application menu and start it with your session (Linux; "
                            "autostart only on macOS and Windows)")
    p.add_argument("--uninstall", action="store_true", help="remove the menu entry, icon and autostart entry")
    p.add_argument("--no-autostart", action="store_true", help="only the menu entry; do not start with the session")
    p.set_defaults(func=cmd_install_desktop)
