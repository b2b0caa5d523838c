"""Maps one tracked frame for each (profile, view) the outputs need: the view is applied once per view, each
profile evaluated once per view, so VMC and iFacialMocap on the same view share the work.

Mappers smooth per output (they keep state), so two views of one profile get two mappers; a new mapper is made
when the profile's watcher has loaded a new version of the file.
"""

from __future__ import annotations

from typing import Callable

from vtbridge.frames import FaceFrame, MappedFrame
from vtbridge.mapping.compiler import Mapper
from vtbridge.mapping.watch import ProfileWatcher
from vtbridge.signal.view import apply_view


class ViewMappers:
    def __init__(self, watchers: dict[str, ProfileWatcher]) -> None:
        self._watchers = watchers  # shared with the pipeline, which adds and removes profiles
        self._made: dict[tuple[str, str], tuple[object, Mapper]] = {}

    def _mapper(self, profile: str, view: str) -> Mapper:
        current = self._watchers[profile].current
        made = self._made.get((profile, view))
        if made is None or made[0] is not current:
            made = self._made[(profile, view)] = (current, current.mapper())
        return made[1]

    def for_frame(self, face: FaceFrame) -> Callable[[str, str], MappedFrame]:
        """``mapped(profile, view)`` for this frame, computed on first use and then reused."""
        viewed: dict[str, FaceFrame] = {}
        done: dict[tuple[str, str], MappedFrame] = {}

        def mapped(profile: str, view: str) -> MappedFrame:
            key = (profile, view)
            if key not in done:
                if view not in viewed:
                    viewed[view] = apply_view(face, view)
                done[key] = self._mapper(profile, view).process(viewed[view])
            return done[key]

        return mapped

    def keep_only(self, profiles: set[str]) -> None:
        """Forget the mappers of profiles nobody reads any more."""
        self._made = {k: m for k, m in self._made.items() if k[0] in profiles}
