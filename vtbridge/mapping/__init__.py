"""Mapping profiles: turn a tracked FaceFrame into the named values an app expects (see docs/profiles.md)."""

from vtbridge.mapping.compiler import INPUT_NAMES, Mapper, benchmark_profile
from vtbridge.mapping.profile import (Profile, ProfileError, ProfileInfo, list_profiles, load_profile,
                                      resolve_profile_path)
from vtbridge.mapping.watch import ProfileWatcher

__all__ = ["INPUT_NAMES", "Mapper", "Profile", "ProfileError", "ProfileInfo", "ProfileWatcher", "benchmark_profile",
           "list_profiles", "load_profile", "resolve_profile_path"]
