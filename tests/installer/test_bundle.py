"""The PyInstaller bundle for real: ``python installer/build.py`` into a temp folder (≈ 40 s here, ≈ 570 MB), then
the bundled executable is run the way a user runs it, with no Python environment behind it.

It must report its version, track a real clip with the vendored model and produce the same numbers as the pip
install, carry every model, profile and licence text, and install its desktop entries pointing at itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, media
from tests.daemon.test_autostart import unquote_exec
from tests.installer.tools import load_installer_module, module, tool
from vtbridge import __version__

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    module("PyInstaller", 'pip install -e ".[test]"')
    if sys.platform == "darwin":
        pytest.skip("the macOS build is an .app; this test drives the Linux/Windows one-folder layout")
    out = tmp_path_factory.mktemp("bundle")
    done = subprocess.run([sys.executable, str(REPO / "installer" / "build.py"), "--dist", str(out / "dist"),
                           "--work", str(out / "work"), "--no-installer"],
                          capture_output=True, text=True, timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return out / "dist" / "vtbridge"


def exe(bundle: Path) -> Path:
    return bundle / ("vtbridge.exe" if sys.platform == "win32" else "vtbridge")


def run(bundle: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # No PYTHONPATH or venv leaks in: the bundle must stand on its own.
    clean = {k: v for k, v in (env or os.environ).items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run([str(exe(bundle)), *args], capture_output=True, text=True, timeout=300, env=clean)


def internal(bundle: Path) -> Path:
    return bundle / "_internal"


def test_version_from_the_bundle(bundle):
    done = run(bundle, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"vtbridge {__version__}"
    bare = run(bundle)  # the console executable without arguments: help, like the pip one (only the windowed
    assert bare.returncode == 2 and "install-desktop" in bare.stdout  # launchers start the daemon instead)


def test_track_a_real_clip_from_the_bundle_matches_the_pip_install(bundle, tmp_path):
    clip = media("drive_d3.mp4")
    done = run(bundle, "track", str(clip), "--out", str(tmp_path / "bundle.jsonl"), "--quiet", "--no-calibration")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "bundle.jsonl").read_text().splitlines()]
    assert len(rows) > 300 and sum(r["face"] for r in rows) / len(rows) > 0.95
    assert len(rows[0]["blendshapes"]) == 52

    from vtbridge.cli import main

    assert main(["track", str(clip), "--out", str(tmp_path / "pip.jsonl"), "--quiet", "--no-calibration"]) == 0
    ref = [json.loads(line) for line in (tmp_path / "pip.jsonl").read_text().splitlines()]
    assert len(ref) == len(rows)
    worst = max(abs(r["blendshapes"][k] - q["blendshapes"][k]) for r, q in zip(rows, ref) if r["face"] and q["face"]
                for k in r["blendshapes"])
    yaw = max(abs(r["head"]["yaw"] - q["head"]["yaw"]) for r, q in zip(rows, ref) if r["face"] and q["face"])
    assert worst < 1e-3 and yaw < 0.05  # the same model and the same native code: the same numbers


def test_bundle_reports_a_bad_source_in_one_line(bundle, tmp_path):
    done = run(bundle, "track", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "x.jsonl"))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "missing.mp4" in done.stderr and "Traceback" not in done.stderr


def test_bundle_carries_every_model_profile_and_the_demo_clip(bundle):
    data = internal(bundle) / "vtbridge" / "_data"
    models = [p for p in (REPO / "models").iterdir() if p.is_file() and not p.name.startswith(".")]
    assert models
    for src in models:  # everything in models/ at build time, byte for byte
        copy = data / "models" / src.name
        assert copy.is_file(), src.name
        assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest(), src.name
    shipped = {p.name for p in (REPO / "profiles").glob("*.json")}
    assert shipped and {p.name for p in (data / "profiles").glob("*.json")} == shipped
    assert (data / "sample" / "drive_d20.mp4").is_file()
    assert (internal(bundle) / "vtbridge" / "daemon" / "dashboard" / "static" / "index.html").is_file()
    done = run(bundle, "profiles", "list")
    assert done.returncode == 0 and "vseeface" in done.stdout


def test_bundle_carries_the_licence_texts(bundle):
    lic = bundle / "licenses"
    readme = (lic / "README.txt").read_text()
    gpl = [p for p in (lic / "pyvirtualcam").iterdir()]
    assert any("GNU GENERAL PUBLIC LICENSE" in p.read_text() and "Version 2" in p.read_text() for p in gpl)
    assert "GPL-2.0" in readme and "source" in readme
    apache = (lic / "Apache-2.0.txt").read_text()
    assert "Apache License" in apache and "Version 2.0, January 2004" in apache
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    for m in manifest["models"]:  # each vendored model's licence file, and its licence named in the index
        if m.get("licence_file"):
            assert (lic / "models" / m["licence_file"]).is_file(), m["licence_file"]
        assert f"{m['file']}: {m['licence']}" in readme
    licenses = load_installer_module("licenses")
    for dist in licenses.runtime_closure():  # every runtime dependency has a folder with at least one text
        name = licenses.canonicalize_name(dist.metadata["Name"])
        folder = lic / name
        assert f"* {dist.metadata['Name']} {dist.version}" in readme
        assert (folder.is_dir() and any(folder.iterdir())) or "licenses/Apache-2.0.txt" in readme, name
    assert (lic / "python").is_dir() and (lic / "pyinstaller").is_dir()


def test_install_desktop_from_the_bundle_points_at_the_bundle(bundle, tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the XDG menu entry is the Linux part of install-desktop")
    validate = tool("desktop-file-validate", "Debian: apt-get install desktop-file-utils")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               VTBRIDGE_HOME=str(tmp_path / "home"))
    done = run(bundle, "install-desktop", env=env)
    assert done.returncode == 0, done.stderr
    menu = tmp_path / "share" / "applications" / "vtbridge.desktop"
    auto = tmp_path / "config" / "autostart" / "vtbridge.desktop"
    for entry in (menu, auto):
        exec_line = next(l for l in entry.read_text().splitlines() if l.startswith("Exec="))
        assert unquote_exec(exec_line) == [str(exe(bundle)), "run"]  # the frozen executable, not a Python
        check = subprocess.run([validate, str(entry)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    assert run(bundle, "install-desktop", "--uninstall", env=env).returncode == 0
    assert not menu.exists() and not auto.exists()


def test_daemon_from_the_bundle_serves_the_dashboard_and_sends_vmc(bundle, tmp_path):
    """The whole daemon as the Start-menu shortcut runs it (minus the tray): demo clip -> VMC packets on a real
    UDP socket, and the dashboard page served from the bundled static files."""
    import socket
    import time
    import urllib.request

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.5)
    port = rx.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["VTBRIDGE_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen([str(exe(bundle)), "run", "--no-tray", "--demo", "--duration", "6",
                             "--vmc", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        url = None
        for line in proc.stdout:
            if line.startswith("dashboard: "):
                url = line.split(" ", 1)[1].strip()
                break
        assert url, "no dashboard line"
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        packets, deadline = [], time.monotonic() + 10
        while len(packets) < 20 and time.monotonic() < deadline:
            try:
                packets.append(rx.recv(65536))
            except socket.timeout:
                pass
        assert len(packets) >= 20
        assert all(p.startswith(b"#bundle\0") for p in packets)
        assert any(b"/VMC/Ext/Blend/Val" in p for p in packets)
        rest = proc.communicate(timeout=60)[0]
        assert proc.returncode == 0, rest[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
        rx.close()
