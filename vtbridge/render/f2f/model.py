"""A converted Face2FaceRHO model on disk: the folder ``vtbridge models convert-f2f`` wrote, checked against its
manifest (sha256 of both graphs) before onnxruntime opens anything, so a truncated copy or a graph from another
conversion is reported by name instead of failing inside native code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vtbridge import paths
from vtbridge.errors import ModelError
from vtbridge.models import sha256_file

SOURCE_FILE = "f2f_source.onnx"
DRIVE_FILE = "f2f_drive.onnx"
MOTION_FILE = "f2f_motion.onnx"  # the driving step in two parts, for runtimes that run them at different precisions
DECODE_FILE = "f2f_decode.onnx"
VARIANT_FILES = {"fp16": "f2f_drive_fp16.onnx", "int8": "f2f_drive_int8.onnx"}
MANIFEST = "manifest.json"
_CONVERT = "run `vtbridge models convert-f2f --checkpoints DIR` with the official Face2FaceRHO checkpoints"


def default_model_dir() -> Path:
    """Where the converter writes by default and the runtime looks: the user data folder."""
    return paths.user_data_dir() / "models" / "f2f"


@dataclass(frozen=True)
class F2FModel:
    folder: Path
    size: int  # output size the graphs were exported at
    source: Path
    drive: Path
    variants: dict  # reduced-precision driving graphs by name ("fp16", "int8"), hashed like the others
    motion: Path | None = None  # the driving step's two parts (None in a conversion made before they existed)
    decode: Path | None = None
    errors: dict | None = None  # measured error of each reduced-precision way to run it ("fp16", "int8", "bf16")


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ModelError(f"Face2FaceRHO model folder {str(folder)!r} not found; {_CONVERT}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("engine") != "face2facerho" or not isinstance(data.get("files"), dict):
            raise ValueError("not a Face2FaceRHO manifest")
        int(data["size"])
        return data
    except FileNotFoundError:
        raise ModelError(f"{str(path)!r} missing: {str(folder)!r} is not a converted Face2FaceRHO model; "
                         f"{_CONVERT}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{str(path)!r} is unreadable ({exc}); {_CONVERT} again") from None


def open_model(folder: str | Path | None = None, verify: bool = True) -> F2FModel:
    folder = Path(folder) if folder else default_model_dir()
    data = _read_manifest(folder)
    for name, entry in data["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"Face2FaceRHO graph {str(path)!r} missing; {_CONVERT} again")
        if verify:
            digest = sha256_file(path)
            if digest != entry.get("sha256"):
                raise ModelError(f"Face2FaceRHO graph {str(path)!r} does not match its manifest (sha256 {digest[:12]}"
                                 f"..., expected {str(entry.get('sha256'))[:12]}...): truncated or replaced; "
                                 f"{_CONVERT} again")
    if SOURCE_FILE not in data["files"] or DRIVE_FILE not in data["files"]:
        raise ModelError(f"{str(folder / MANIFEST)!r} lists no {SOURCE_FILE}/{DRIVE_FILE}; {_CONVERT} again")
    variants = {k: folder / v for k, v in data.get("variants", {}).items() if v in data["files"]}
    parts = MOTION_FILE in data["files"] and DECODE_FILE in data["files"]
    return F2FModel(folder=folder, size=int(data["size"]), source=folder / SOURCE_FILE, drive=folder / DRIVE_FILE,
                    variants=variants, motion=folder / MOTION_FILE if parts else None,
                    decode=folder / DECODE_FILE if parts else None, errors=dict(data.get("variant_errors") or {}))
