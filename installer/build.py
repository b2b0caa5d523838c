"""Build the vtbridge bundle for the platform this runs on, and on Windows the installer around it.

    python installer/build.py [--dist DIR] [--work DIR] [--installer | --no-installer] [--makensis PATH]
                              [--no-virtual-camera]

1. Draw the app icon (the tray's badge) into ``WORK/icon`` as PNG and ICO.
2. Run PyInstaller on ``installer/vtbridge.spec``: one folder, ``DIST/vtbridge`` (plus ``DIST/vtbridge.app`` on
   macOS), with the models, profiles and sample clip inside.
3. Copy every third-party licence text into the bundle's ``licenses/`` folder (``installer/licenses.py``).
4. Windows (or ``--installer``): compile ``installer/vtbridge.nsi`` with makensis into
   ``DIST/vtbridge-VERSION-setup.exe``.

Run it from the environment vtbridge is installed in (``pip install -e ".[test]"``: PyInstaller is in that extra).
Outputs stay under ``build/`` and ``dist/``, both ignored by git.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SPEC = HERE / "vtbridge.spec"
NSI = HERE / "vtbridge.nsi"
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


class BuildError(Exception):
    """A build step failed; the message says which and what to do."""


def draw_icons(out: Path) -> tuple[Path, Path]:
    """The app icon as a 256 px PNG (Linux, and PyInstaller turns it into .icns on macOS) and a multi-size ICO."""
    from vtbridge.daemon.tray_icons import draw_icon

    out.mkdir(parents=True, exist_ok=True)
    png, ico = out / "vtbridge.png", out / "vtbridge.ico"
    image = draw_icon("tracking", 256)
    image.save(png, format="PNG")
    image.save(ico, format="ICO", sizes=ICO_SIZES)
    return png, ico


def run_pyinstaller(dist: Path, work: Path, icon: Path | None, exclude: tuple[str, ...] = ()) -> None:
    env = dict(os.environ, VTBRIDGE_ICON=str(icon) if icon else "", VTBRIDGE_EXCLUDE=",".join(exclude),
               VTBRIDGE_MODULES_OUT=str(modules_file(work)))
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(SPEC)]
    if subprocess.run(cmd, env=env, cwd=REPO).returncode != 0:
        raise BuildError("PyInstaller failed (its messages are above); check that `pip install -e \".[test]\"` "
                         "ran in this environment")


def modules_file(work: Path) -> Path:
    """The spec writes the top-level packages it bundled here (JSON list)."""
    return work / "bundled-top-level.json"


def licence_targets(dist: Path) -> list[Path]:
    """Where the licences go: beside the executables, and inside the macOS app's Resources."""
    targets = [dist / "vtbridge" / "licenses"]
    app = dist / "vtbridge.app"
    if app.is_dir():
        targets.append(app / "Contents" / "Resources" / "licenses")
    return targets


def gather_licences(dist: Path, work: Path, exclude: tuple[str, ...] = ()) -> list:
    sys.path.insert(0, str(HERE))
    from licenses import collect

    from vtbridge import paths

    bundled = json.loads(modules_file(work).read_text()) if modules_file(work).is_file() else []
    notices = []
    for target in licence_targets(dist):
        notices = collect(target, paths.models_dir(), exclude=exclude, bundled_modules=bundled)
    missing = [n.name for n in notices if n.text_missing]
    if missing:
        print(f"note: no licence text shipped by {', '.join(missing)}; licenses/README.txt names their licence "
              f"and home page", file=sys.stderr)
    return notices


def find_makensis(given: str | None = None) -> str | None:
    if given:
        return given
    found = shutil.which("makensis")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles")):
        if base and (Path(base) / "NSIS" / "makensis.exe").is_file():
            return str(Path(base) / "NSIS" / "makensis.exe")
    return None


def file_version(version: str) -> str:
    """Windows' four-number file version for a package version (``0.2.0rc1`` -> ``0.2.0.0``)."""
    from packaging.version import Version

    release = list(Version(version).release[:4])
    return ".".join(str(n) for n in release + [0] * (4 - len(release)))


def makensis_command(makensis: str, payload: Path, outfile: Path, version: str, icon: Path | None = None,
                     licence: Path | None = None, windows: bool = os.name == "nt") -> list[str]:
    """The makensis command line for ``installer/vtbridge.nsi`` over ``payload`` (a bundle folder, or a stand-in
    with the same layout in the tests)."""
    opt = "/" if windows else "-"  # makensis on Windows takes /X; the POSIX build only -X
    cmd = [makensis, f"{opt}V2", f"{opt}WX", f"{opt}INPUTCHARSET", "UTF8", f"{opt}DVERSION={version}",
           f"{opt}DFILEVERSION={file_version(version)}", f"{opt}DPAYLOAD={payload}", f"{opt}DOUTFILE={outfile}"]
    if icon:
        cmd.append(f"{opt}DICON={icon}")
    if licence:
        cmd.append(f"{opt}DLICENSE={licence}")
    return cmd + [str(NSI)]


def build_installer(makensis: str, dist: Path, icon: Path, version: str) -> Path:
    out = dist / f"vtbridge-{version}-setup.exe"
    payload = dist / "vtbridge"
    cmd = makensis_command(makensis, payload, out, version, icon, payload / "licenses" / "README.txt")
    if subprocess.run(cmd).returncode != 0:
        raise BuildError(f"makensis failed on {NSI} (its messages are above)")
    return out


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder (default: dist/)")
    p.add_argument("--work", type=Path, default=REPO / "build", help="work folder (default: build/)")
    p.add_argument("--installer", action=argparse.BooleanOptionalAction, default=None,
                   help="also compile the NSIS installer (default: on Windows only)")
    p.add_argument("--makensis", help="path of makensis (default: on PATH or in Program Files)")
    p.add_argument("--no-virtual-camera", action="store_true",
                   help="leave out pyvirtualcam (GPL-2.0): no virtual webcam, no GPL obligations for the bundle")
    args = p.parse_args(argv)

    from vtbridge import __version__

    dist, work = args.dist.resolve(), args.work.resolve()
    started = time.monotonic()
    try:
        png, ico = draw_icons(work / "icon")
        # Windows takes the ICO, macOS the PNG (PyInstaller converts it to .icns); Linux executables have none.
        exclude = ("pyvirtualcam",) if args.no_virtual_camera else ()
        run_pyinstaller(dist, work, {"win32": ico, "darwin": png}.get(sys.platform), exclude)
        notices = gather_licences(dist, work, exclude)
        bundle = dist / "vtbridge"
        print(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB, {len(notices)} licence entries) "
              f"in {time.monotonic() - started:.0f} s")
        if args.installer if args.installer is not None else sys.platform == "win32":
            makensis = find_makensis(args.makensis)
            if not makensis:
                raise BuildError("makensis not found; install NSIS 3 (Windows: `choco install nsis`; Debian: "
                                 "`apt-get install nsis`) or pass --makensis PATH")
            setup = build_installer(makensis, dist, ico, __version__)
            print(f"installer: {setup} ({setup.stat().st_size / 1e6:.0f} MB)")
    except BuildError as err:
        print(f"build.py: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
