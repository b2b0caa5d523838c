"""The tray icon: a pure menu model built from a ``Snapshot``, and ``TrayApp`` which shows it with pystray.

Why a model: what the menu says and which ``Command`` each entry sends is decided by ``build_menu`` alone, so it is
unit-tested without a display; ``TrayApp`` only translates the model to pystray and back. The tray talks to the
pipeline only through the ``Controller`` seam (snapshot / submit), so it can never block tracking.

Threads: ``TrayApp.start()`` runs pystray's loop on its own thread (fine on Windows and Linux). On macOS AppKit
insists on the main thread: call ``TrayApp.run()`` from the main thread there and run the pipeline on another.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import webbrowser
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from vtbridge import paths
from vtbridge.daemon.control import Command, Controller, Snapshot
from vtbridge.daemon.tray_icons import draw_icon, icon_state, tooltip
from vtbridge.daemon.tray_voice import voice_menu

log = logging.getLogger("vtbridge.tray")

OUTPUTS = (("vmc", "VMC (VSeeFace, VNyan, Warudo)"), ("ifm", "iFacialMocap"), ("vts", "VTube Studio"),
           ("vcam", "Virtual camera"))


@dataclass(frozen=True)
class MenuItem:
    """One entry. ``command`` goes to the controller; ``action`` is done by the tray itself (open a page or a
    folder, toggle autostart, quit). ``checked`` None means not a check item."""

    label: str
    command: Command | None = None
    action: str | None = None  # open_dashboard | open_profiles | toggle_autostart | quit
    checked: bool | None = None
    radio: bool = False
    enabled: bool = True
    default: bool = False  # what a left click on the icon does
    children: tuple["MenuItem", ...] = ()

    @property
    def separator(self) -> bool:
        return self.label == "-"


SEPARATOR = MenuItem("-")


@dataclass(frozen=True)
class TrayView:
    """What the menu shows besides the snapshot."""

    dashboard_url: str | None = None
    autostart: bool = False


def _output_item(name: str, label: str, snapshot: Snapshot) -> MenuItem:
    info = next((o for o in snapshot.outputs if o.name == name), None)
    if info is None:  # the pipeline was started without this output: nothing to switch
        return MenuItem(f"{label} (not set up)", checked=False, enabled=False)
    suffix = f" ({info.state})" if info.enabled and info.state not in ("ok", "off") else ""
    return MenuItem(label + suffix, Command("set_output", (name, not info.enabled)), checked=info.enabled)


def _vcam_items(v: dict) -> tuple[MenuItem, ...]:
    """Effect switches for the virtual camera (strengths and pictures are set in the dashboard or config)."""
    def switch(label: str, key: str, on: bool, on_value, off_value) -> MenuItem:
        return MenuItem(label, Command("set_vcam", {key: off_value if on else on_value}), checked=on)

    mode = v.get("mode", "passthrough")
    portrait = v.get("portrait") or ""
    modes = [MenuItem("Show: camera picture", Command("set_vcam", {"mode": "passthrough"}),
                      checked=mode == "passthrough", radio=True),
             MenuItem(f"Show: portrait ({portrait.replace(chr(92), '/').rsplit('/', 1)[-1]})" if portrait else
                      "Show: portrait (set one in the dashboard)", Command("set_vcam", {"mode": "reenact"}),
                      checked=mode == "reenact", radio=True, enabled=bool(portrait)),
             MenuItem(f"Show: painted ({v.get('style') or 'oil'})", Command("set_vcam", {"mode": "stylize"}),
                      checked=mode == "stylize", radio=True),
             MenuItem("Show: anime character" if v.get("character") else
                      "Show: anime character (set one in the dashboard)", Command("set_vcam", {"mode": "anime"}),
                      checked=mode == "anime", radio=True, enabled=bool(v.get("character"))),
             SEPARATOR]
    items = [*modes,
             switch("Blur background", "blur", bool(v.get("blur")), 50, 0),
             switch("Auto-framing", "frame", v.get("frame") == "auto", "auto", "off"),
             switch("Low-light lift", "light", v.get("light") == "auto", "auto", "off"),
             switch("Face touch-up", "touch_up", bool(v.get("touch_up")), 40, 0),
             switch("Mirror", "mirror", bool(v.get("mirror")), True, False)]
    if v.get("background"):
        items.append(MenuItem(f"Remove background ({v['background']})", Command("set_vcam", {"background": ""})))
    return tuple(items)


def build_menu(snapshot: Snapshot, view: TrayView = TrayView()) -> tuple[MenuItem, ...]:
    """The whole tray menu for this moment (pure; equal inputs give an equal, comparable tree)."""
    paused = snapshot.state == "paused"
    running = snapshot.state not in ("stopped",)
    outputs = tuple(_output_item(name, label, snapshot) for name, label in OUTPUTS)
    profiles = tuple(MenuItem(p, Command("set_profile", p), checked=p == snapshot.profile, radio=True)
                     for p in snapshot.profiles) or (MenuItem("No profiles found", enabled=False),)
    profiles += (SEPARATOR, MenuItem("Open profiles folder", action="open_profiles"))
    cameras = tuple(MenuItem(c, Command("set_camera", c), checked=c == snapshot.source, radio=True)
                    for c in snapshot.cameras) or (MenuItem("No cameras found", enabled=False),)
    has_dashboard = bool(view.dashboard_url)
    items = [
        MenuItem("Resume tracking" if paused else "Pause tracking", Command("resume" if paused else "pause"),
                 enabled=running, default=not has_dashboard),
        MenuItem("Outputs", children=outputs),
        *((MenuItem("Virtual camera effects", children=_vcam_items(snapshot.vcam)),) if snapshot.vcam else ()),
        MenuItem(f"Profile: {snapshot.profile}" if snapshot.profile else "Profile", children=profiles),
        MenuItem("Camera", children=cameras),
        MenuItem(f"Avatar view: {snapshot.view}", children=(
            MenuItem("Mirror (like your reflection)", Command("set_view", "mirror"), checked=snapshot.view == "mirror",
                     radio=True),
            MenuItem("Camera (side for side)", Command("set_view", "camera"), checked=snapshot.view == "camera",
                     radio=True))),
        *voice_menu(snapshot, MenuItem),
        MenuItem("Calibrate neutral face", Command("calibrate"), enabled=snapshot.state == "tracking"),
        SEPARATOR,
        MenuItem("Open dashboard", action="open_dashboard", enabled=has_dashboard, default=has_dashboard),
        MenuItem("Start with system", action="toggle_autostart", checked=view.autostart),
        SEPARATOR,
        MenuItem("Quit vtbridge", Command("quit"), action="quit"),
    ]
    return tuple(items)


def find(items: tuple[MenuItem, ...], label_prefix: str) -> MenuItem | None:
    """Depth-first search by label prefix (tests and scripts)."""
    for item in items:
        if item.label.startswith(label_prefix):
            return item
        hit = find(item.children, label_prefix)
        if hit:
            return hit
    return None


def open_folder(path: Path) -> None:
    """Show a folder in the platform's file manager (created first so there is something to open)."""
    path.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]
    else:
        subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class TrayApp:
    """Shows the tray icon for ``controller`` and refreshes icon, tooltip and menu from snapshots ~2x/s."""

    def __init__(self, controller: Controller, dashboard_url: str | None = None,
                 on_quit: Callable[[], None] | None = None, *, refresh_s: float = 0.5,
                 open_url: Callable[[str], object] = webbrowser.open,
                 open_profiles: Callable[[], None] = lambda: open_folder(paths.user_profiles_dir()),
                 autostart_state: Callable[[], bool] | None = None,
                 set_autostart: Callable[[bool], bool] | None = None):
        from vtbridge.daemon import autostart

        self.controller = controller
        self.on_quit = on_quit
        self.refresh_s = refresh_s
        self._open_url = open_url
        self._open_profiles = open_profiles
        self._set_autostart = set_autostart or autostart.set_enabled
        self._view = TrayView(dashboard_url, bool((autostart_state or autostart.is_enabled)()))
        self._icon = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.ready = threading.Event()  # set once the icon is shown
        self.error: str | None = None  # why the icon could not be shown, if it could not
        self._images: dict[str, object] = {}
        self._shown: tuple = (None, None, None)  # (icon state, tooltip, menu model) last pushed to pystray
        self._lock = threading.Lock()

    @property
    def view(self) -> TrayView:
        return self._view

    @property
    def dashboard_url(self) -> str | None:
        return self._view.dashboard_url

    def set_dashboard_url(self, url: str | None) -> None:
        self._view = replace(self._view, dashboard_url=url)
        self.refresh()

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Run the icon on its own thread (Windows, Linux)."""
        self._thread = threading.Thread(target=self.run, name="vtbridge-tray", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Blocking: show the icon until ``stop()`` (the main thread's job on macOS). pystray is imported here
        because on Linux it raises at import time without a display."""
        try:
            import pystray

            snap = self._snapshot()
            state = icon_state(snap)
            model = build_menu(snap, self._view)
            self._icon = pystray.Icon("vtbridge", self._image(state), tooltip(snap), menu=self._to_pystray(model))
            self._shown = (state, tooltip(snap), model)
            if self._stopping.is_set():
                return
            self._icon.run(setup=self._refresh_loop)
        except Exception as exc:  # no display / no tray host / no notification service: run headless
            self.error = f"tray icon unavailable ({type(exc).__name__}: {exc}); the dashboard still works"
            log.error(self.error)

    def stop(self, timeout: float = 5.0) -> None:
        """Hide the icon and end its loop (safe from any thread, including a menu callback)."""
        self._stopping.set()
        icon = self._icon
        if icon is not None:
            icon.stop()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # ---- refresh ---------------------------------------------------------------------------------------------
    def _refresh_loop(self, icon) -> None:
        icon.visible = True
        self.ready.set()
        while not self._stopping.wait(self.refresh_s):
            self.refresh()

    def refresh(self) -> None:
        """Push what changed since last time; a snapshot error never kills the tray."""
        icon = self._icon
        if icon is None or self._stopping.is_set():
            return
        with self._lock:
            snap = self._snapshot()
            state, tip, model = icon_state(snap), tooltip(snap), build_menu(snap, self._view)
            old_state, old_tip, old_model = self._shown
            try:
                if state != old_state:
                    icon.icon = self._image(state)
                if tip != old_tip:
                    icon.title = tip
                if model != old_model:
                    icon.menu = self._to_pystray(model)
            except Exception:  # a tray host hiccup must not stop tracking or the refresh loop
                log.exception("tray update failed")
            self._shown = (state, tip, model)

    def _snapshot(self) -> Snapshot:
        try:
            return self.controller.snapshot()
        except Exception as exc:
            log.exception("snapshot failed")
            return Snapshot(state="error", message=f"internal error: {exc}")

    def _image(self, state: str):
        if state not in self._images:
            self._images[state] = draw_icon(state)
        return self._images[state]

    # ---- model -> pystray, and back -------------------------------------------------------------------------
    def _to_pystray(self, items: tuple[MenuItem, ...]):
        import pystray

        def convert(item: MenuItem):
            if item.separator:
                return pystray.Menu.SEPARATOR
            checked = (lambda _i, v=item.checked: v) if item.checked is not None else None
            if item.children:
                return pystray.MenuItem(item.label, pystray.Menu(*map(convert, item.children)),
                                        enabled=item.enabled)
            return pystray.MenuItem(item.label, self._action_for(item), checked=checked, radio=item.radio,
                                    enabled=item.enabled, default=item.default)

        return pystray.Menu(*map(convert, items))

    def _action_for(self, item: MenuItem):
        def action(icon, menu_item):
            self.activate(item)
        return action

    def activate(self, item: MenuItem) -> None:
        """Do what a click on ``item`` means."""
        log.info("tray: %s", item.label)
        if item.command is not None:
            self.controller.submit(item.command)
        if item.action == "open_dashboard" and self._view.dashboard_url:
            self._open_url(self._view.dashboard_url)
        elif item.action == "open_profiles":
            self._open_profiles()
        elif item.action == "toggle_autostart":
            try:
                now = bool(self._set_autostart(not self._view.autostart))
            except Exception as exc:
                log.error("could not change autostart: %s", exc)
                now = self._view.autostart
            self._view = replace(self._view, autostart=now)
        elif item.action == "quit":
            self.stop()
            if self.on_quit:
                self.on_quit()
            return
        self.refresh()
