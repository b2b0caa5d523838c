"""Gather every third-party licence text the bundle needs into one ``licenses/`` folder beside the executables.

Why at build time: the bundle carries copies of Python, PyInstaller's bootloader, every runtime dependency of
vtbridge (pyvirtualcam is GPL-2.0, pystray LGPL-3.0, MediaPipe and OpenCV Apache-2.0, ...) and the vendored models
(Apache-2.0); each licence asks that its text travels with the binaries. The set of packages is the runtime
dependency closure of the installed ``vtbridge`` distribution (markers evaluated for this platform, no extras), so a
dependency added to ``pyproject.toml`` is covered without editing this file.

Layout written: ``licenses/README.txt`` (what is where, and the GPL notice), ``licenses/<package>/<files>``,
``licenses/models/<licence files>``, ``licenses/Apache-2.0.txt`` (the full text, for the models and for packages
whose wheels only name the licence).
"""

from __future__ import annotations

import importlib.metadata as md
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "THIRDPARTYNOTICES", "THIRD-PARTY-NOTICES")
_NOT_TEXT = {".py", ".pyc", ".pyi", ".so", ".dll", ".pyd", ".dylib", ".xml", ".json", ".html", ".png"}
_APACHE_MARKS = ("Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS")


@dataclass
class PackageNotice:
    name: str
    version: str
    licence: str
    homepage: str
    files: list[str] = field(default_factory=list)  # relative to licenses/
    text_missing: bool = False


def runtime_closure(root: str = "vtbridge", exclude: tuple[str, ...] = ()) -> list[md.Distribution]:
    """The installed distributions ``root`` needs at run time (its own distribution, and ``exclude`` - left out of
    the bundle - not counted)."""
    seen: dict[str, md.Distribution] = {}
    skip = {canonicalize_name(e) for e in exclude}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen or name in skip:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a requirement for another platform or an optional one that is not installed
        seen[name] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    seen.pop(canonicalize_name(root), None)
    return [seen[k] for k in sorted(seen)]


def licence_summary(dist: md.Distribution) -> str:
    """SPDX expression when declared, else a short License field, else the trove classifier."""
    meta = dist.metadata
    expr = meta.get("License-Expression")
    if expr:
        return expr
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 60:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    return text.splitlines()[0][:60] if text else "unknown"


def _homepage(dist: md.Distribution) -> str:
    meta = dist.metadata
    if meta.get("Home-page"):
        return meta["Home-page"]
    for url in meta.get_all("Project-URL") or []:
        label, _, value = url.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository", "source code"):
            return value.strip()
    return f"https://pypi.org/project/{dist.metadata['Name']}/"


def licence_files(dist: md.Distribution) -> list[Path]:
    """Licence/notice texts a distribution installed (dist-info and package folders)."""
    found = []
    for f in dist.files or []:
        name = f.name.upper()
        if name.startswith(_PREFIXES) and Path(f.name).suffix.lower() not in _NOT_TEXT:
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                found.append(path)
    return found


def _copy_unique(src: Path, dest_dir: Path) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    n = 2
    while dest.exists():  # LICENSE from dist-info and LICENSE from a sub-package: keep both
        dest = dest_dir / f"{src.stem}-{n}{src.suffix}"
        n += 1
    shutil.copyfile(src, dest)
    return dest


def _is_apache_text(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return all(mark in text for mark in _APACHE_MARKS)


def _python_licence() -> Path | None:
    base = Path(sys.base_prefix)
    for p in (base / "LICENSE.txt", base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt"):
        if p.is_file():
            return p
    return None


def bundled_distributions(modules: list[str]) -> list[md.Distribution]:
    """The installed distributions that provide any of these top-level modules (what the bundle really holds)."""
    owners = md.packages_distributions()
    names = sorted({canonicalize_name(d) for m in modules for d in owners.get(m, [])})
    found = []
    for name in names:
        try:
            found.append(md.distribution(name))
        except md.PackageNotFoundError:
            pass
    return found


def collect(out: Path, models_dir: Path, root: str = "vtbridge", exclude: tuple[str, ...] = (),
            bundled_modules: list[str] = ()) -> list[PackageNotice]:
    """Write the licences folder ``out`` (replacing it) and return what went in; ``text_missing`` marks packages
    whose wheel carries no licence text (their README entry gives the declared licence and where to read it)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    notices: list[PackageNotice] = []
    apache: Path | None = None
    dists = runtime_closure(root, exclude)
    try:
        dists.append(md.distribution("pyinstaller"))  # its bootloader is in every executable
    except md.PackageNotFoundError:
        pass
    known = {canonicalize_name(d.metadata["Name"]) for d in dists} | {canonicalize_name(root)}
    for extra in bundled_distributions(list(bundled_modules)):  # pulled in by hooks, not declared by vtbridge
        if canonicalize_name(extra.metadata["Name"]) not in known:
            known.add(canonicalize_name(extra.metadata["Name"]))
            dists.append(extra)
    for dist in dists:
        name = dist.metadata["Name"]
        n = PackageNotice(name, dist.version, licence_summary(dist), _homepage(dist))
        for src in licence_files(dist):
            dest = _copy_unique(src, out / canonicalize_name(name))
            n.files.append(dest.relative_to(out).as_posix())
            apache = apache or (dest if _is_apache_text(dest) else None)
        if not n.files and "\n" in (dist.metadata.get("License") or "").strip():
            dest = out / canonicalize_name(name) / "LICENSE-from-metadata.txt"  # the wheel's License field is the text
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(dist.metadata["License"].strip() + "\n", encoding="utf-8")
            n.files.append(dest.relative_to(out).as_posix())
        n.text_missing = not n.files
        notices.append(n)
    py = _python_licence()
    if py:
        dest = _copy_unique(py, out / "python")
        notices.append(PackageNotice("Python", ".".join(map(str, sys.version_info[:3])), "PSF-2.0",
                                     "https://www.python.org/", [dest.relative_to(out).as_posix()]))
    if apache:
        shutil.copyfile(apache, out / "Apache-2.0.txt")
    for n in notices:  # wheels that only name Apache-2.0 still get the full text
        if n.text_missing and apache and "apache" in n.licence.lower():
            n.files, n.text_missing = ["Apache-2.0.txt"], False
    notices.append(_models_notice(models_dir, out, apache is not None))
    (out / "README.txt").write_text(readme(notices), encoding="utf-8")
    return notices


def _models_notice(models_dir: Path, out: Path, have_apache: bool) -> PackageNotice:
    manifest = json.loads((models_dir / "manifest.json").read_text(encoding="utf-8"))
    notice = PackageNotice("vtbridge models", "", "", "models/manifest.json")
    licences = []
    for m in manifest.get("models", []):
        licences.append(f"{m['file']}: {m.get('licence', 'unknown')}")
        lf = m.get("licence_file")
        if lf and (models_dir / lf).is_file() and f"models/{lf}" not in notice.files:
            _copy_unique(models_dir / lf, out / "models")
            notice.files.append(f"models/{lf}")
        if "apache" in m.get("licence", "").lower() and have_apache and "Apache-2.0.txt" not in notice.files:
            notice.files.append("Apache-2.0.txt")
    notice.licence = "; ".join(licences)
    notice.text_missing = not notice.files
    return notice


_GPL_NOTICE = [
    "GPL-2.0 notice: the bundle includes pyvirtualcam (the virtual webcam), licensed under the GNU General",
    "Public License version 2. You may redistribute this bundle or its installer only under the GPL-2.0 terms",
    "for that part: pass on the corresponding source code (pyvirtualcam's source is at",
    "https://github.com/letmaik/pyvirtualcam and on PyPI; vtbridge's own source is public) or a written offer",
    "to provide it. See \"Licences and redistribution\" in vtbridge's README.",
    "",
]


def readme(notices: list[PackageNotice]) -> str:
    lines = [
        "vtbridge - third-party licences",
        "================================",
        "",
        "vtbridge itself is MIT-licensed. This bundle also contains the components below, each under its own",
        "licence; their texts are in the folders named here.",
        "",
    ]
    if any(canonicalize_name(n.name) == "pyvirtualcam" for n in notices):
        lines += _GPL_NOTICE
    for n in notices:
        head = f"{n.name} {n.version}".strip()
        lines.append(f"* {head} - {n.licence}")
        lines.append(f"    {n.homepage}")
        if n.files:
            lines.extend(f"    licenses/{f}" for f in n.files)
        else:
            lines.append("    (the package ships no licence text; see its home page for the full text)")
    return "\n".join(lines) + "\n"
