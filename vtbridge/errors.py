"""User-facing errors. Anything a user can cause (bad file, busy port, refused auth) raises a subclass of
``VtbridgeError`` whose message is one line: what went wrong, where, and what to try. The CLI prints it without a
traceback and exits non-zero; the daemon reports it and keeps its last good state."""

from __future__ import annotations


class VtbridgeError(Exception):
    """Base class; ``str(err)`` is the one-line message shown to the user."""


class SourceError(VtbridgeError):
    """A camera, video or image cannot be opened or read."""


class ModelError(VtbridgeError):
    """A vendored or user model file is missing, corrupt or has the wrong checksum."""


class ConfigError(VtbridgeError):
    """A config file, profile or option is invalid."""


class OutputError(VtbridgeError):
    """An output (UDP target, websocket, virtual camera) cannot be set up."""
