"""The daemon's settings: one JSON file (``config.json`` in the user config folder), a frozen dataclass tree.

Why a dataclass tree: every key has one typed default in one place, the docs and ``config show`` are generated
from it, and readers can never mutate shared settings. The file holds only what the user changed (defaults can
improve in later versions); loading validates everything and names the file and the dotted key in its one-line
errors. Saving is atomic and keeps the previous file as ``config.json.bak``.
"""

from __future__ import annotations

import difflib
import json
import logging
import threading
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Callable, get_type_hints

from vtbridge import paths
from vtbridge.daemon.config_schema import (  # noqa: F401  (re-exported: callers use config.X)
    DEFAULT, CameraConfig, Config, DashboardConfig, FaceLostConfig, FilterSection, IfmConfig, OneEuroConfig,
    OutputsConfig, VcamConfig, VmcConfig, VtsConfig)
from vtbridge.daemon.config_schema import ITEM_RULES as _ITEM_RULES
from vtbridge.daemon.config_schema import RULES as _RULES
from vtbridge.daemon.config_schema import migrate_legacy
from vtbridge.errors import ConfigError
from vtbridge.fsutil import write_bytes_atomic, write_text_atomic
from vtbridge.jsonread import JsonError
from vtbridge.jsonread import loads as strict_json

log = logging.getLogger("vtbridge.config")

FILE_NAME = "config.json"
#: A settings file is a few hundred bytes; anything this big is not one (and is not read into memory).
MAX_FILE_BYTES = 1_000_000


# ---- schema walking ----------------------------------------------------------------------------------------------
def _children(cls) -> dict[str, Any]:
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


def all_keys(cls=Config, prefix: str = "") -> list[str]:
    """Every dotted key, sections included (``outputs``, ``outputs.vmc``, ``outputs.vmc.enabled``...)."""
    keys = []
    for name, t in _children(cls).items():
        keys.append(prefix + name)
        if is_dataclass(t):
            keys.extend(all_keys(t, prefix + name + "."))
    return keys


def leaf_keys() -> list[str]:
    return [k for k in all_keys() if not is_dataclass(_type_at(k))]


def _type_at(dotted: str):
    t = Config
    for part in dotted.split("."):
        if not is_dataclass(t) or part not in _children(t):
            return None
        t = _children(t)[part]
    return t


def is_section(dotted: str) -> bool:
    return is_dataclass(_type_at(dotted))


def unknown_key_message(dotted: str) -> str:
    """``unknown key "x"; did you mean "y"?`` with the closest known keys."""
    same_depth = [k for k in all_keys() if k.count(".") == dotted.count(".")]
    close = difflib.get_close_matches(dotted, same_depth, n=2, cutoff=0.6)
    if not close:  # a typo in the last part only: compare with the siblings
        parent, _, leaf = dotted.rpartition(".")
        t = _type_at(parent) if parent else Config
        if is_dataclass(t):
            close = [f"{parent}.{c}" if parent else c for c in difflib.get_close_matches(leaf, _children(t), n=3)]
    hint = f"; did you mean {' or '.join(map(json.dumps, close))}?" if close else \
        "; see docs/config.md or `vtbridge config show` for the keys"
    return f"unknown key {json.dumps(dotted)}{hint}"


def _check_leaf(dotted: str, t, value, where: str):
    def fail(why: str):
        raise ConfigError(f"{where}: {dotted}: {why}")

    if t is bool:
        if not isinstance(value, bool):
            fail(f"expected true or false, got {json.dumps(value)}")
    elif t is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"expected a whole number, got {json.dumps(value)}")
    elif t is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(f"expected a number, got {json.dumps(value)}")
        value = float(value)
    elif t is str:
        if dotted == "source" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # `config set source 1` parses as JSON 1: a camera index
        if not isinstance(value, str):
            fail(f"expected a string, got {json.dumps(value)}")
        value = value.strip()
    elif t == tuple[str, ...]:
        if isinstance(value, str):
            value = [value]  # one target given without brackets
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            fail(f"expected a list of strings such as [\"127.0.0.1:39539\"], got {json.dumps(value)}")
        value = tuple(v.strip() for v in value)
        for i, item in enumerate(value):
            why = _ITEM_RULES.get(dotted, lambda _v: None)(item)
            if why:
                raise ConfigError(f"{where}: {dotted}[{i}]: {why}")
    else:  # pragma: no cover - a new field type needs a branch here
        raise TypeError(f"config field {dotted} has unsupported type {t}")
    why = _RULES.get(dotted, lambda _v: None)(value)
    if why:
        fail(why)
    return value


def _build(base, data, where: str, prefix: str = ""):
    """``base`` with the keys in ``data`` replaced; a partial section keeps the rest of *that section's* defaults
    (``filter.gaze`` has other defaults than a bare ``OneEuroConfig``)."""
    if not isinstance(data, dict):
        what = prefix.rstrip(".") or "the top level"
        raise ConfigError(f"{where}: {what}: expected an object {{...}}, got {json.dumps(data)}")
    children = _children(type(base))
    kwargs = {}
    for key, value in data.items():
        dotted = prefix + str(key)
        if key not in children:
            raise ConfigError(f"{where}: {unknown_key_message(dotted)}")
        t = children[key]
        kwargs[key] = _build(getattr(base, key), value, where, dotted + ".") if is_dataclass(t) \
            else _check_leaf(dotted, t, value, where)
    return replace(base, **kwargs)


def from_dict(data: dict, where: str = FILE_NAME) -> Config:
    """Validate a (possibly partial) nested dict; missing keys take their defaults. ``where`` names the source.
    Keys of earlier versions are migrated first (``config_schema.migrate_legacy``; each change is logged, except
    in the backup file, which is only read as a fallback)."""
    data, notes = migrate_legacy(data, where)
    if not str(where).endswith(".bak"):
        for note in notes:
            log.warning(note)
    return _build(DEFAULT, data, where)


def to_dict(config, *, only_changed: bool = False, _default=None) -> dict:
    """Nested plain-JSON dict; ``only_changed`` leaves out values equal to the defaults (what the file stores)."""
    default = _default if _default is not None else type(config)()
    out = {}
    for f in fields(config):
        value, base = getattr(config, f.name), getattr(default, f.name)
        if is_dataclass(value):
            sub = to_dict(value, only_changed=only_changed, _default=base)
            if sub or not only_changed:
                out[f.name] = sub
        elif not only_changed or value != base:
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def get(config: Config, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _set_nested(data: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def check_key(dotted: str) -> None:
    """ConfigError with a did-you-mean unless ``dotted`` names a settable (leaf) key."""
    t = _type_at(dotted)
    if t is None:
        raise ConfigError(unknown_key_message(dotted))
    if is_dataclass(t):
        subkeys = ", ".join(k for k in leaf_keys() if k.startswith(dotted + "."))
        raise ConfigError(f"{json.dumps(dotted)} is a section; set one of its keys: {subkeys}")


def apply_overrides(config: Config, overrides: dict[str, Any], where: str = "command line") -> Config:
    """A copy of ``config`` with dotted keys replaced (CLI flags: this run only, never written)."""
    data = to_dict(config)
    for dotted, value in overrides.items():
        try:
            check_key(dotted)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
        _set_nested(data, dotted, value)
    return from_dict(data, where)


# ---- the file ----------------------------------------------------------------------------------------------------
def config_path() -> Path:
    return paths.user_config_dir() / FILE_NAME


def read_raw(path: Path | None = None) -> dict:
    """The file's JSON object as written ({} when there is no file); ConfigError for anything else: unreadable,
    too big, not UTF-8, not strict JSON (too deep, huge numbers, NaN, a key twice), not an object."""
    path = Path(path) if path else config_path()
    others = f"restore {path.name}.bak, or delete the file for the defaults"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: {size} bytes is too big for a settings file (limit {MAX_FILE_BYTES}); {others}")
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror or err}); check its permissions") from None
    try:
        value = strict_json(data) if data.strip() else {}
    except JsonError as err:
        raise ConfigError(f"{path}: {err}; or {others}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: the top level must be a JSON object {{...}}, got {type(value).__name__}")
    return value


def load(path: Path | None = None) -> Config:
    """The validated config (defaults when the file does not exist); ConfigError naming file and key otherwise."""
    path = Path(path) if path else config_path()
    return from_dict(read_raw(path), str(path))


def load_or_default(path: Path | None = None, *, last_good: Config | None = None,
                    report: Callable[[str], None] | None = None) -> Config:
    """For the daemon: never raises for a bad file; reports the one-line error and keeps ``last_good`` (or the
    defaults on first start), so a typo while the daemon runs cannot take tracking down."""
    try:
        return load(path)
    except ConfigError as err:
        keep = "keeping the previous settings" if last_good is not None else "using the defaults"
        (report or log.error)(f"{err} ({keep})")
        return last_good if last_good is not None else DEFAULT


def save(config: Config, path: Path | None = None) -> Path:
    """Write the changed keys atomically (temp + fsync + replace), first copying the current file to ``.bak``."""
    path = Path(path) if path else config_path()
    text = json.dumps(to_dict(config, only_changed=True), indent=2, ensure_ascii=False) + "\n"
    _write_with_backup(path, text)
    return path


def _write_with_backup(path: Path, text: str) -> None:
    try:
        previous = path.read_bytes()
    except FileNotFoundError:
        previous = None
    if previous is not None and previous != text.encode("utf-8"):
        write_bytes_atomic(path.with_name(path.name + ".bak"), previous)  # byte for byte, whatever it holds
    write_text_atomic(path, text)


#: Serialises read-modify-write of the config file between the daemon's threads (tray, pipeline commands).
_WRITE_LOCK = threading.Lock()


def set_value(dotted: str, value, path: Path | None = None) -> Config:
    """``config set``: check the key, merge into the file's current contents, validate the whole, write."""
    with _WRITE_LOCK:
        return _set_value(dotted, value, path)


def _set_value(dotted: str, value, path: Path | None) -> Config:
    path = Path(path) if path else config_path()
    check_key(dotted)
    data = read_raw(path)
    from_dict(data, str(path))  # the existing file must be valid before we add to it (old keys noted once here)
    data, _ = migrate_legacy(data, str(path))  # ...and it is written back with today's keys
    _set_nested(data, dotted, value)
    config = from_dict(data, str(path))
    save(config, path)
    return config


def set_values(changes: dict[str, Any], path: Path | None = None) -> Config:
    """Several keys in one read-modify-write (one validated file, one atomic write): how the daemon saves a burst
    of tray/dashboard choices. All or nothing: a bad key or value changes nothing."""
    with _WRITE_LOCK:
        path = Path(path) if path else config_path()
        for dotted in changes:
            check_key(dotted)
        data = read_raw(path)
        from_dict(data, str(path))
        for dotted, value in changes.items():
            _set_nested(data, dotted, value)
        config = from_dict(data, str(path))
        save(config, path)
        return config


def unset_value(dotted: str, path: Path | None = None) -> Config:
    """Back to the default for one key (the key disappears from the file)."""
    with _WRITE_LOCK:
        return _unset_value(dotted, path)


def _unset_value(dotted: str, path: Path | None) -> Config:
    path = Path(path) if path else config_path()
    check_key(dotted)
    config = load(path)
    parent, _, leaf = dotted.rpartition(".")
    default_parent = get(DEFAULT, parent) if parent else DEFAULT
    config = _replace_at(config, dotted, getattr(default_parent, leaf))
    save(config, path)
    return config


def _replace_at(obj, dotted: str, value):
    head, _, rest = dotted.partition(".")
    return replace(obj, **{head: _replace_at(getattr(obj, head), rest, value) if rest else value})


def filter_config(config: Config):
    """The pipeline's ``FilterConfig`` for these settings (imported here lazily: numpy is not needed to edit)."""
    from vtbridge.signal.face_lost import FaceLostParams
    from vtbridge.signal.one_euro import OneEuroParams
    from vtbridge.signal.smoothing import FilterConfig

    f = config.filter

    def params(c: OneEuroConfig) -> OneEuroParams:
        return OneEuroParams(min_cutoff=c.min_cutoff, beta=c.beta, d_cutoff=c.d_cutoff)

    return FilterConfig(enabled=f.enabled, blendshapes=params(f.blendshapes), head_rotation=params(f.head_rotation),
                        head_position=params(f.head_position), gaze=params(f.gaze),
                        face_lost=FaceLostParams(hold_s=config.face_lost.hold_s, ease_s=config.face_lost.ease_s))


__all__ = ["Config", "DEFAULT", "load", "load_or_default", "save", "apply_overrides", "set_value", "set_values",
           "unset_value", "from_dict", "to_dict", "config_path", "check_key", "all_keys", "leaf_keys",
           "filter_config", "get"]
