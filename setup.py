"""Packaging glue that pyproject.toml cannot express: the top-level data folders travel inside the wheel.

``profiles/`` and ``models/`` live at the top of the repository (modders and the manifest find them there); a wheel
installs them as ``vtbridge/_data/profiles`` and ``vtbridge/_data/models``, with the demo clip as
``vtbridge/_data/sample``. ``vtbridge.paths`` looks in the source tree first, then in ``_data``.
"""

from setuptools import find_packages, setup

DATA = {"vtbridge._data.profiles": "profiles", "vtbridge._data.models": "models", "vtbridge._data.sample": "tests/data"}

setup(
    packages=find_packages(include=["vtbridge", "vtbridge.*"]) + list(DATA),
    package_dir=DATA,
    package_data={"vtbridge.daemon.dashboard": ["static/*"],
                  "vtbridge._data.profiles": ["*.json"],
                  "vtbridge._data.models": ["*.task", "*.tflite", "*.onnx", "*.json", "*.txt"],
                  "vtbridge._data.sample": ["drive_d20.mp4", "README.md"]},
)
