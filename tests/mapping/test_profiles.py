"""Loading, extends, options, name resolution and the shipped profiles."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from vtbridge import paths
from vtbridge.errors import ConfigError
from vtbridge.frames import ARKIT_NAMES, Gaze, HeadPose, MappedFrame
from vtbridge.mapping.profile import ProfileError, benchmark_profile, list_profiles, load_profile

from .helpers import face, values, write

SHIPPED = ("vseeface", "vrm1", "arkit", "arkit-camel", "vtube-studio", "ifacialmocap")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_and_evaluates(name):
    p = load_profile(name)
    assert p.description and "use" in p.description.lower()
    mapper = p.mapper()
    f = face(head=HeadPose(yaw=20, pitch=-10, roll=5, x=2, y=-1, z=-55), gaze=Gaze(10, -5, 8, -4),
             jawOpen=0.7, eyeBlinkLeft=0.9, mouthSmileLeft=0.5, mouthSmileRight=0.6, browInnerUp=0.3)
    out = mapper.process(f)
    assert isinstance(out, MappedFrame)
    assert out.names == p.output_names and out.values.dtype == np.float32
    assert len(out.values) == len(p.output_names) and np.isfinite(out.values).all()
    assert p.files == (paths.shipped_profiles_dir().resolve() / f"{name}.json",)
    assert math.isfinite(benchmark_profile(p, 50)) and benchmark_profile(p, 50) > 0


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_match_schema(name):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((paths.shipped_profiles_dir() / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads((paths.shipped_profiles_dir() / f"{name}.json").read_text()), schema)


def test_vseeface_names_and_values():
    p = load_profile("vseeface")
    names = set(p.output_names)
    assert {"A", "I", "U", "E", "O", "Blink", "Blink_L", "Blink_R", "Joy", "Angry", "Sorrow", "Fun",
            "LookUp", "LookDown", "LookLeft", "LookRight", "EyeBlinkLeft", "JawOpen", "MouthSmileLeft",
            "TongueOut"} <= names
    assert {n[0].upper() + n[1:] for n in ARKIT_NAMES} <= names
    neutral = values(p, face())
    assert all(abs(v) < 1e-6 for v in neutral.values())
    wink = values(p, face(eyeBlinkLeft=0.9))  # subject's left eye -> VRM Blink_L
    assert wink["Blink_L"] == pytest.approx(1) and wink["Blink_R"] == 0 and wink["Blink"] == 0
    both = values(p, face(eyeBlinkLeft=0.9, eyeBlinkRight=0.9))
    assert both["Blink"] == pytest.approx(1) and both["Blink_L"] == pytest.approx(0)
    assert values(p, face(jawOpen=0.7))["A"] > 0.5
    assert values(p, face(mouthPucker=0.8))["U"] > 0.5
    assert values(p, face(jawOpen=0.7))["EyeBlinkLeft"] == 0


def test_vrm1_and_ifacialmocap_names():
    assert set(load_profile("vrm1").output_names) == {
        "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad", "relaxed",
        "surprised", "lookUp", "lookDown", "lookLeft", "lookRight"}
    ifm = load_profile("ifacialmocap")
    assert {"eyeBlink_L", "mouthSmile_R", "browInnerUp", "jawOpen", "jawLeft", "mouthRight"} <= set(ifm.output_names)
    assert len(ifm.output_names) == 52
    assert values(ifm, face(eyeBlinkRight=0.4))["eyeBlink_R"] == pytest.approx(0.4)


def test_vtube_studio_ranges():
    p = load_profile("vtube-studio")
    for name in ("FaceAngleX", "FaceAngleY", "FaceAngleZ", "FacePositionX", "FacePositionY", "FacePositionZ",
                 "MouthOpen", "MouthSmile", "EyeOpenLeft", "EyeOpenRight", "EyeLeftX", "EyeLeftY", "EyeRightX",
                 "EyeRightY", "BrowLeftY", "BrowRightY", "Brows", "MouthX", "CheekPuff", "FaceAngry", "TongueOut"):
        assert name in p.output_names
    extreme = values(p, face(head=HeadPose(yaw=80, pitch=-80, roll=170, x=50, y=50, z=10),
                              gaze=Gaze(90, 90, -90, -90), jawOpen=1, eyeWideLeft=1))
    assert abs(extreme["FaceAngleX"]) == 30 and abs(extreme["FaceAngleY"]) == 30
    assert abs(extreme["FaceAngleZ"]) == 90 and abs(extreme["FacePositionX"]) == 10
    assert extreme["MouthOpen"] == 1 and extreme["EyeOpenLeft"] == 1 and abs(extreme["EyeLeftX"]) == 1
    closed = values(p, face(eyeBlinkLeft=0.9))
    assert closed["EyeOpenLeft"] == 0 and closed["EyeOpenRight"] == 1


def test_arkit_profiles_pass_inputs_through_pascal_and_camel():
    f = face(eyeBlinkLeft=0.3, jawOpen=0.6)
    camel = load_profile("arkit-camel")
    assert camel.output_names == ARKIT_NAMES  # outputs named like their inputs
    assert values(camel, f)["eyeBlinkLeft"] == pytest.approx(0.3)
    np.testing.assert_allclose(camel.mapper().process(f).values, f.blendshapes)
    pascal = load_profile("arkit")
    assert pascal.output_names == tuple(n[0].upper() + n[1:] for n in ARKIT_NAMES)
    assert values(pascal, f)["EyeBlinkLeft"] == pytest.approx(0.3)
    np.testing.assert_allclose(pascal.mapper().process(f).values, f.blendshapes)


def test_input_wins_over_same_named_output_and_at_selects_output(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"jawOpen": {"expr": "jawOpen", "gain": 2},
                                             "plain": "jawOpen", "viaOutput": "@jawOpen"}})
    v = values(load_profile(path), face(jawOpen=0.25))
    assert v == pytest.approx({"jawOpen": 0.5, "plain": 0.25, "viaOutput": 0.5})


def test_outputs_reference_each_other_in_any_order(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"Sum": "Half + Half", "Half": "jawOpen / 2", "K": 3}})
    assert values(load_profile(path), face(jawOpen=0.5)) == pytest.approx({"Sum": 0.5, "Half": 0.25, "K": 3})


def test_options_apply_in_documented_order(tmp_path):
    # deadzone -> gain/offset -> curve -> invert -> clamp
    path = write(tmp_path, "p", {"outputs": {
        "dz": {"expr": "jawOpen", "deadzone": 0.1},
        "chain": {"expr": "jawOpen", "deadzone": 0.1, "gain": 2, "offset": 0.1, "curve": [[0, 0], [1, 0.5], [2, 2]],
                  "invert": True, "clamp": [0, 0.6]},
        "gamma": {"expr": "jawOpen - 1", "curve": 2},
        "points": {"expr": "jawOpen", "curve": [[0.2, 0], [0.4, 1]]},
    }})
    p = load_profile(path)
    v = values(p, face(jawOpen=0.5))
    assert v["dz"] == pytest.approx(0.4)
    # (0.5-0.1)*2+0.1 = 0.9 -> curve 0.45 -> invert 0.55 -> clamp keeps 0.55
    assert v["chain"] == pytest.approx(0.55)
    assert v["gamma"] == pytest.approx(-0.25)  # odd-symmetric gamma
    assert v["points"] == pytest.approx(1)  # past the last point: end value holds
    assert values(p, face(jawOpen=0.05))["dz"] == 0
    assert values(p, face(jawOpen=0.3))["points"] == pytest.approx(0.5)


def test_smoothing_is_stateful_per_mapper(tmp_path):
    p = load_profile(write(tmp_path, "p", {"outputs": {"s": {"expr": "jawOpen", "smoothing": 0.5}}}))
    m = p.mapper()
    assert m.process(face(jawOpen=1)).values[0] == pytest.approx(1)  # first frame: no history
    assert m.process(face(jawOpen=0)).values[0] == pytest.approx(0.5)
    assert m.process(face(jawOpen=0)).values[0] == pytest.approx(0.25)
    assert p.mapper().process(face(jawOpen=0)).values[0] == 0  # a new mapper starts fresh


def test_nan_and_infinity_never_escape(tmp_path):
    p = load_profile(write(tmp_path, "p", {"outputs": {
        "nan": "jawOpen", "big": "10 ^ 300 * 10 ^ 300", "diff": "10 ^ 300 * 10 ^ 300 - 10 ^ 300 * 10 ^ 300",
        "sm": {"expr": "jawOpen * 1", "smoothing": 0.5}}}))
    m = p.mapper()
    out = m.process(face(jawOpen=float("nan"))).values
    assert np.isfinite(out).all() and out[0] == 0 and out[2] == 0 and out[1] > 1e8
    assert np.isfinite(m.process(face(jawOpen=0.5)).values).all()
    assert m.process(face(jawOpen=0.5)).values[3] == pytest.approx(0.375)  # smoothing state not poisoned


def test_face_input(tmp_path):
    p = load_profile(write(tmp_path, "p", {"outputs": {"f": "face"}}))
    assert values(p, face(found=True))["f"] == 1 and values(p, face(found=False))["f"] == 0


def test_extends_override_add_remove(tmp_path):
    write(tmp_path, "base", {"name": "base", "outputs": {"A": "jawOpen", "B": "1", "C": "2"}})
    child = write(tmp_path, "child", {"name": "kid", "description": "d", "extends": "base.json",
                                      "outputs": {"B": "5", "C": None, "D": "B + 1"}})
    p = load_profile(child)
    assert p.name == "kid" and p.description == "d"
    assert p.output_names == ("A", "B", "D")  # parent order first, overrides keep their place
    assert p.files == ((tmp_path / "base.json").resolve(), child.resolve())
    assert values(p, face(jawOpen=0.5)) == pytest.approx({"A": 0.5, "B": 5, "D": 6})
    assert p.to_json()["outputs"] == {"A": "jawOpen", "B": "5", "D": "B + 1"}


def test_extends_shipped_by_name_from_user_folder():
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    write(folder, "mine", {"extends": "vseeface", "outputs": {"Joy": "0", "Extra": "Joy + A"}})
    p = load_profile("mine")
    assert p.output_names[-1] == "Extra" and "EyeBlinkLeft" in p.output_names
    assert p.files[0].name == "vseeface.json" and p.name == "mine"


def test_removed_output_still_referenced_is_reported(tmp_path):
    write(tmp_path, "base", {"outputs": {"A": "jawOpen", "B": "A * 2"}})
    child = write(tmp_path, "child", {"extends": "base.json", "outputs": {"A": None}})
    with pytest.raises(ProfileError, match="A was removed by child.json but is still used here"):
        load_profile(child)


def test_user_profile_shadows_shipped_in_list_and_load():
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    write(folder, "arkit", {"description": "my arkit", "outputs": {"x": "jawOpen"}})
    infos = {i.name: i for i in list_profiles()}
    assert infos["arkit"].origin == "user" and infos["arkit"].description == "my arkit"
    assert infos["vseeface"].origin == "shipped"
    assert set(SHIPPED) <= set(infos) and "schema" not in infos
    assert load_profile("arkit").output_names == ("x",)


def test_list_survives_a_broken_user_file():
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{", encoding="utf-8")
    info = {i.name: i for i in list_profiles()}["broken"]
    assert info.description.startswith("(broken:")


def test_profile_error_is_config_error_and_unknown_profile_suggests():
    with pytest.raises(ConfigError) as info:
        load_profile("vseefce")
    assert "did you mean vseeface?" in str(info.value)
    assert isinstance(info.value, ProfileError)


def test_docs_example_profile_loads():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "profiles.md").read_text(encoding="utf-8")
    block = re.search(r"## Format\n\n```json\n(.*?)```", doc, re.S).group(1)
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    (folder / "my-vseeface.json").write_text(block, encoding="utf-8")
    p = load_profile("my-vseeface")
    assert "Sorrow" not in p.output_names and p.output_names[-2:] == ("MouthWide", "Constant")
    assert values(p, face(eyeBlinkLeft=0.9))["Blink_L"] == pytest.approx(1)
