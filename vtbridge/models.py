"""Vendored model files: where they are, what they must hash to, and a loud, actionable error when they don't.

``models/manifest.json`` lists every file with its sha256, size, licence and source. ``model_path(name)`` verifies
the checksum once per process and file (hashing 3.7 MB costs ~10 ms) before anything loads it, so a truncated
download or a corrupted install is reported by name instead of crashing inside native code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from vtbridge import paths
from vtbridge.errors import ModelError


@dataclass(frozen=True)
class ModelEntry:
    file: str
    sha256: str
    bytes: int
    licence: str
    source: str


def load_manifest(models_dir: Path | None = None) -> dict[str, ModelEntry]:
    directory = models_dir or paths.models_dir()
    manifest = directory / "manifest.json"
    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
        return {m["file"]: ModelEntry(m["file"], m["sha256"], int(m["bytes"]), m["licence"], m["source"])
                for m in raw["models"]}
    except FileNotFoundError:
        raise ModelError(f"model manifest missing: {manifest}; reinstall vtbridge or restore models/ from the "
                         f"repository") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"model manifest {manifest} is unreadable ({exc}); restore it from the repository") from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: Path, entry: ModelEntry) -> None:
    """Raise ModelError naming the file, the expected checksum and how to restore it, unless it matches."""
    how = (f"restore it from the vtbridge repository (models/{entry.file}) or reinstall vtbridge; "
           f"source: {entry.source}")
    if not path.is_file():
        raise ModelError(f"model file missing: {path} (expected sha256 {entry.sha256}); {how}")
    size = path.stat().st_size
    digest = sha256_file(path)
    if digest != entry.sha256:
        raise ModelError(f"model file corrupt: {path} has sha256 {digest} ({size} bytes), expected {entry.sha256} "
                         f"({entry.bytes} bytes); {how}")


#: Files already verified in this process, keyed by (path, mtime, size, expected hash): a changed file is re-hashed.
_CHECKED: set[tuple] = set()


def model_path(name: str, models_dir: Path | None = None) -> Path:
    """Path of a vendored model after checking it against the manifest (cached per file version)."""
    directory = models_dir or paths.models_dir()
    manifest = load_manifest(directory)
    if name not in manifest:
        raise ModelError(f"{name} is not listed in {directory / 'manifest.json'}")
    entry = manifest[name]
    path = directory / name
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size, entry.sha256)
    except OSError:
        key = None
    if key is None or key not in _CHECKED:
        verify(path, entry)
        if key is not None:
            _CHECKED.add(key)
    return path
