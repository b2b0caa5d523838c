"""Where things live: shipped data (models, profiles) and per-user folders (config, calibration, tokens, logs).

Per-user folders come from platformdirs; ``VTBRIDGE_HOME`` overrides all of them at once (tests and portable
installs use it), so nothing ever touches a real user's folders by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

_APP = "vtbridge"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _home_override() -> Path | None:
    value = os.environ.get("VTBRIDGE_HOME")
    return Path(value) if value else None


def user_config_dir() -> Path:
    home = _home_override()
    return home / "config" if home else Path(platformdirs.user_config_dir(_APP, appauthor=False))


def user_profiles_dir() -> Path:
    """Profiles the user wrote or copied (``vtbridge profiles new``); they shadow shipped ones of the same name."""
    return user_config_dir() / "profiles"


def user_log_dir() -> Path:
    home = _home_override()
    return home / "logs" if home else Path(platformdirs.user_log_dir(_APP, appauthor=False))


def user_state_dir() -> Path:
    home = _home_override()
    return home / "state" if home else Path(platformdirs.user_state_dir(_APP, appauthor=False))


def user_data_dir() -> Path:
    """Data the user brings or converts (converted models): kept apart from the config."""
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(_APP, appauthor=False))


def _shipped(name: str) -> Path:
    """A top-level data folder of the source tree (editable install) or its copy inside the wheel."""
    for candidate in (_PACKAGE_DIR.parent / name, _PACKAGE_DIR / "_data" / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE_DIR.parent / name


def shipped_profiles_dir() -> Path:
    return _shipped("profiles")


def models_dir() -> Path:
    override = os.environ.get("VTBRIDGE_MODELS_DIR")
    return Path(override) if override else _shipped("models")
