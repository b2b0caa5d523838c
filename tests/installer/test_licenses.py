"""installer/licenses.py on the installed environment (no build): what goes into the bundle's licenses/ folder."""

from __future__ import annotations

from tests.conftest import REPO
from tests.installer.tools import load_installer_module

licenses = load_installer_module("licenses")


def test_every_runtime_dependency_gets_its_texts_and_the_gpl_notice(tmp_path):
    notices = licenses.collect(tmp_path / "lic", REPO / "models")
    by_name = {licenses.canonicalize_name(n.name): n for n in notices}
    readme = (tmp_path / "lic" / "README.txt").read_text()
    assert "GPL-2.0 notice" in readme
    gpl = by_name["pyvirtualcam"]
    assert "GPL" in gpl.licence and gpl.files
    assert "GNU GENERAL PUBLIC LICENSE" in (tmp_path / "lic" / gpl.files[0]).read_text()
    for dist in licenses.runtime_closure():
        assert licenses.canonicalize_name(dist.metadata["Name"]) in by_name
    assert not [n.name for n in notices if n.text_missing and licenses.canonicalize_name(n.name) in
                {licenses.canonicalize_name(d.metadata["Name"]) for d in licenses.runtime_closure()}]
    for n in notices:  # every file the index names is there
        for f in n.files:
            assert (tmp_path / "lic" / f).is_file(), f


def test_a_bundle_without_the_virtual_camera_has_no_gpl_part(tmp_path):
    notices = licenses.collect(tmp_path / "lic", REPO / "models", exclude=("pyvirtualcam",))
    assert "pyvirtualcam" not in {licenses.canonicalize_name(n.name) for n in notices}
    assert not (tmp_path / "lic" / "pyvirtualcam").exists()
    assert "GPL-2.0 notice" not in (tmp_path / "lic" / "README.txt").read_text()


def test_packages_the_hooks_pulled_in_are_covered(tmp_path):
    """jsonschema is not a runtime dependency (test extra only); when the bundle holds it, its licence goes in."""
    assert "jsonschema" not in {licenses.canonicalize_name(d.metadata["Name"]) for d in licenses.runtime_closure()}
    notices = licenses.collect(tmp_path / "lic", REPO / "models", bundled_modules=["jsonschema", "cv2"])
    names = [licenses.canonicalize_name(n.name) for n in notices]
    assert "jsonschema" in names and names.count("opencv-contrib-python") == 1
    assert any((tmp_path / "lic" / "jsonschema").iterdir())
