"""The profile named in the settings must never keep the daemon from starting.

Why: ``config set profile no-such-profile`` used to be accepted, and then ``vtbridge run`` exited 1 — launched by
autostart, the daemon silently did nothing. So the name is checked when it is set (``check_setting``), and at start
a profile that has since gone missing or been broken by an edit is replaced by the shipped one with a clear message
(``usable_profile``), as a broken edit while running already keeps the last good version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from vtbridge import paths
from vtbridge.errors import ConfigError, VtbridgeError

#: What a missing or broken profile falls back to (the default of the ``profile`` key).
DEFAULT_PROFILE = "vseeface"


def check_setting(value) -> None:
    """ConfigError (one line, with a did-you-mean) unless ``value`` names a profile that loads."""
    from vtbridge.mapping.profile import load_profile

    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"profile: expected a profile name such as {DEFAULT_PROFILE!r}, got {value!r}")
    try:
        load_profile(value.strip())
    except VtbridgeError as err:
        raise ConfigError(f"profile: {err}; `vtbridge profiles list` shows the profiles") from None


def usable_profile(name: str, report: Callable[[str], None], default: str = DEFAULT_PROFILE) -> str:
    """``name`` when it loads; otherwise the shipped profile of that name (a user copy is broken), else the shipped
    ``default``, after one line through ``report``. Raises the original error only when none of them loads."""
    from vtbridge.mapping.profile import load_profile, resolve_profile_path

    try:
        load_profile(name)
        return name
    except VtbridgeError as err:
        problem = err
    shipped = paths.shipped_profiles_dir()
    for candidate in dict.fromkeys((shipped / f"{Path(name).stem}.json", shipped / f"{default}.json")):
        if not candidate.is_file():
            continue
        try:
            load_profile(candidate)
        except VtbridgeError:
            continue
        try:  # by name when the name means this file (no broken user copy shadows it): the menus show names
            chosen = candidate.stem if resolve_profile_path(candidate.stem) == candidate.resolve() else str(candidate)
        except VtbridgeError:
            chosen = str(candidate)
        report(f"profile {name!r} cannot be used ({problem}); using the shipped {candidate.stem!r} profile until "
               f"it is fixed")
        return chosen
    raise problem
