"""Hot reload: the pipeline polls a ``ProfileWatcher`` every frame; a saved edit takes effect within
``poll_interval`` seconds, a broken edit is reported once and the last good profile stays active.

Polling (stat of a handful of files, at most every ``poll_interval``) is used instead of OS file-watch APIs: it
is portable, has no thread, and costs one clock read per frame between checks. Editors that save by writing a
temp file and renaming it are handled because we compare (mtime, size, inode) of each path, not handles.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from vtbridge import paths
from vtbridge.mapping.compiler import Mapper
from vtbridge.mapping.profile import Profile, ProfileError, load_profile, valid_profile_name


def _stat(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ProfileWatcher:
    """Keeps ``current`` (Profile) and ``mapper`` in sync with the files of a profile and its extends chain.

    The initial load raises ProfileError (the caller decides what to do without any good profile); later broken
    versions call ``on_error(message)`` once per distinct broken version instead of raising.
    """

    def __init__(self, name_or_path: str | Path, on_error: Callable[[str], None] | None = None,
                 poll_interval: float = 0.25, clock: Callable[[], float] = time.monotonic):
        self.target = name_or_path
        self.on_error = on_error
        self.poll_interval = float(poll_interval)
        self._clock = clock
        self.last_error: str | None = None
        self._failed_signature = None
        self._apply(load_profile(name_or_path))
        self._next_check = clock() + self.poll_interval

    @property
    def current(self) -> Profile:
        return self._profile

    @property
    def mapper(self) -> Mapper:
        return self._mapper

    def _watched(self, files) -> tuple[Path, ...]:
        extra = []
        text = str(self.target)
        if valid_profile_name(text):  # a user profile created later would shadow the shipped one
            extra.append(paths.user_profiles_dir() / f"{text}.json")
        return tuple(dict.fromkeys((*files, *extra)))

    def _signature(self):
        return tuple(_stat(p) for p in self._paths)

    def _apply(self, profile: Profile) -> None:
        self._profile = profile
        self._mapper = profile.mapper()
        self._paths = self._watched(profile.files)
        self._signature_now = self._signature()
        self.last_error = None
        self._failed_signature = None

    def poll(self) -> bool:
        """Reload if any watched file changed; True when a new profile became active. Cheap between checks."""
        now = self._clock()
        if now < self._next_check:
            return False
        self._next_check = now + self.poll_interval
        return self.check()

    def check(self) -> bool:
        """Stat now (ignoring the interval) and reload on change."""
        signature = self._signature()
        if signature == self._signature_now or signature == self._failed_signature:
            return False
        try:
            profile = load_profile(self.target)
        except ProfileError as err:
            self._failed_signature = signature
            self.last_error = str(err)
            if self.on_error is not None:
                self.on_error(self.last_error)
            return False
        self._apply(profile)
        return True
