"""The virtual camera as a daemon output slot: config section <-> render settings, live effect changes from the
tray and the dashboard, and the preview of what the meeting sees.

``VcamBinding`` is a ``Binding`` whose output is made from the *current* settings, so effects chosen while the
camera is off apply when it is switched on, and effects chosen while it runs apply to the next frame (no restart).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, fields, replace
from typing import get_type_hints

from vtbridge.daemon.config_schema import VcamConfig
from vtbridge.daemon.pipeline import Binding
from vtbridge.errors import ConfigError
from vtbridge.render.settings import RenderSettings, parse_size, validate

#: Settings the tray and the dashboard may change (``set_vcam`` commands), with their config key names.
EFFECT_KEYS = ("mode", "blur", "background", "frame", "light", "touch_up", "mirror", "flip", "size", "fps",
               "portrait", "engine", "style", "style_region", "character")


#: RenderSettings' field types, for checking what a viewer sends (derived, so a new setting needs no edit here).
_TYPES = get_type_hints(RenderSettings)


def settings_from_config(v: VcamConfig) -> RenderSettings:
    """The config section as render settings: same names, except ``size`` (``WxH``) for width and height."""
    width, height = parse_size(v.size)
    shared = {f.name: getattr(v, f.name) for f in fields(RenderSettings) if hasattr(v, f.name)}
    return validate(RenderSettings(**shared | {"width": width, "height": height, "fps": float(v.fps)}))


def effects_of(settings: RenderSettings) -> dict:
    """The settings as the config and the viewers name them."""
    d = asdict(settings)
    d["size"] = f"{d.pop('width')}x{d.pop('height')}"
    return {k: d[k] for k in EFFECT_KEYS}


def apply_changes(settings: RenderSettings, changes: dict) -> RenderSettings:
    """``changes`` (config names -> values, from a viewer) over ``settings``; ConfigError for anything invalid."""
    unknown = sorted(set(changes) - set(EFFECT_KEYS))
    if unknown:
        raise ConfigError(f"virtual camera: unknown setting {unknown[0]!r}; known: {', '.join(EFFECT_KEYS)}")
    values = dict(changes)
    if "size" in values:
        values["width"], values["height"] = parse_size(str(values.pop("size")))
    for key, value in values.items():
        want = _TYPES[key]
        if want is bool and not isinstance(value, bool) or want is not bool and isinstance(value, bool) or \
                want in (int, float) and not isinstance(value, (int, float)) or want is str and \
                not isinstance(value, str):
            raise ConfigError(f"virtual camera: {key} {value!r} is not a valid value")
        values[key] = want(value)
    new = validate(replace(settings, **values))
    if new.background and new.background != settings.background:
        from vtbridge.render.meeting.background import load_background

        load_background(new.background)
    if new.portrait and new.portrait != settings.portrait:
        from vtbridge.render.reenact.portrait import read_portrait

        read_portrait(new.portrait)  # a missing or broken picture: one line now, not on the render thread
    if new.character and new.character != settings.character:
        from pathlib import Path

        from vtbridge.render.anime.character import load_character

        load_character(Path(new.character))  # not RGBA 512x512: one line now
    if new.style != settings.style:
        from vtbridge.render.stylize.networks import check_style

        check_style(new.style)
    return new


def vcam_choice(cmd) -> tuple[str, object]:
    """The config key and value a one-setting ``set_vcam`` command (as the pipeline reports it) leaves in the file."""
    ((key, value),) = dict(cmd.arg).items()
    return f"outputs.vcam.{key}", value


class VcamBinding(Binding):
    def __init__(self, config: VcamConfig, profile: str) -> None:
        try:
            settings, problem = settings_from_config(config), None
        except ConfigError as err:  # e.g. mode reenact with no portrait: the camera picture until it is fixed
            settings = settings_from_config(replace(config, mode="passthrough"))
            problem = f"{err}; showing the camera picture (mode passthrough) until it is set"
        self.settings = settings
        self.backend, self.device = config.backend, config.device
        self._settings_lock = threading.Lock()
        super().__init__("vcam", profile, config.enabled, factory=self._make)
        self.problem = problem  # shown once at start by the daemon

    def _make(self):
        from vtbridge.outputs.vcam import VcamOutput
        from vtbridge.outputs.vcam_sinks import VirtualCameraSink

        with self._settings_lock:
            settings = self.settings
        return VcamOutput(settings, [VirtualCameraSink(self.backend, self.device)])

    def configure(self, changes: dict) -> dict:
        """Apply a viewer's change now (ConfigError if invalid: nothing changes). Returns the changed keys with
        their new values, for saving."""
        with self._settings_lock:
            new = apply_changes(self.settings, changes)
            self.settings = new
        output = self.output
        if output is not None:
            output.reconfigure(new)
        now = effects_of(new)
        return {k: now[k] for k in changes}

    def effects(self) -> dict:
        return effects_of(self.settings) | {"backend": self.backend, "device": self.device}

    def preview_jpeg(self) -> bytes | None:
        output = self.output
        return output.preview_jpeg() if output is not None and self.enabled else None
