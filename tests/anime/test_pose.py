"""Face -> THA3 pose: THA3's puppeteer rules, sides, head signs, the vowel split, and the tunable mapping file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vtbridge.errors import ConfigError
from vtbridge.frames import ARKIT_INDEX, FaceFrame, HeadPose, neutral_blendshapes
from vtbridge.render.anime.pose import (POSE_INDEX, POSE_NAMES, AnimeMapping, face_to_pose, load_mapping,
                                        mapping_json, split_vowels)


def face(head: HeadPose = HeadPose(), **shapes: float) -> FaceFrame:
    b = neutral_blendshapes()
    for name, value in shapes.items():
        b[ARKIT_INDEX[name]] = value
    return FaceFrame(t=0.0, found=True, blendshapes=b, head=head)


def value(pose: np.ndarray, name: str) -> float:
    return float(pose[POSE_INDEX[name]])


def test_pose_layout_is_thas_45_values():
    assert len(POSE_NAMES) == 45
    assert POSE_NAMES[:2] == ("eyebrow_troubled_left", "eyebrow_troubled_right")
    assert POSE_INDEX["eye_wink_left"] == 12 and POSE_INDEX["mouth_aaa"] == 26 and POSE_INDEX["iris_small_right"] == 25
    assert POSE_NAMES[37:] == ("iris_rotation_x", "iris_rotation_y", "head_x", "head_y", "neck_z", "body_y",
                               "body_z", "breathing")


def test_neutral_face_gives_a_neutral_pose_but_breathing():
    pose = face_to_pose(face(), t=0.75)  # 20 breaths/min: a quarter period at 0.75 s
    assert value(pose, "breathing") == pytest.approx(0.5, abs=1e-6)
    assert np.count_nonzero(np.delete(pose, POSE_INDEX["breathing"])) == 0
    lost = FaceFrame(t=0.0, found=False, blendshapes=neutral_blendshapes() + 0.9)
    assert np.count_nonzero(face_to_pose(lost, AnimeMapping(breaths_per_minute=0))) == 0


def test_blinks_follow_thas_scale_and_the_users_own_side():
    pose = face_to_pose(face(eyeBlinkLeft=0.4, eyeBlinkRight=1.0))
    assert value(pose, "eye_wink_left") == pytest.approx(0.5)  # 0.4 / 0.8
    assert value(pose, "eye_wink_right") == pytest.approx(1.0)
    mirrored = face_to_pose(face(eyeBlinkLeft=0.4, eyeBlinkRight=1.0), AnimeMapping(mirror=True))
    assert value(mirrored, "eye_wink_left") == pytest.approx(1.0)
    assert value(mirrored, "eye_wink_right") == pytest.approx(0.5)


def test_a_smile_turns_winks_happy_and_eyebrows_happy():
    pose = face_to_pose(face(mouthSmileLeft=0.8, mouthSmileRight=0.8, eyeBlinkLeft=0.8, browDownLeft=0.4))
    assert value(pose, "eye_wink_left") == 0.0
    assert value(pose, "eye_happy_wink_left") == pytest.approx(1.0)
    assert value(pose, "eyebrow_angry_left") == 0.0  # (1 - smile degree) gates it
    assert value(pose, "eyebrow_happy_left") == pytest.approx(0.8)
    assert value(pose, "mouth_raised_corner_left") == pytest.approx(0.8)


def test_eyebrow_down_mode_and_raise():
    m = AnimeMapping(eyebrow_down_mode="troubled")
    pose = face_to_pose(face(browDownRight=0.2, browInnerUp=0.3, browOuterUpRight=0.5), m)
    assert value(pose, "eyebrow_troubled_right") == pytest.approx(0.5)
    assert value(pose, "eyebrow_angry_right") == 0.0
    assert value(pose, "eyebrow_raised_right") == pytest.approx(0.8)
    assert value(pose, "eyebrow_raised_left") == pytest.approx(0.3)


def test_jaw_opens_the_mouth_and_shapes_split_into_vowels():
    assert value(face_to_pose(face(jawOpen=0.05)), "mouth_aaa") == 0.0
    wide = face_to_pose(face(jawOpen=0.4, mouthLowerDownLeft=0.5, mouthLowerDownRight=0.5))
    assert value(wide, "mouth_aaa") > 0.9 and value(wide, "mouth_uuu") < 0.1
    thas_rule = AnimeMapping(lower_lip_follows_jaw=0.0)
    round_ = face_to_pose(face(jawOpen=0.4, mouthLowerDownLeft=0.25, mouthLowerDownRight=0.25, mouthFunnel=0.5,
                               mouthPucker=0.4), thas_rule)
    assert value(round_, "mouth_ooo") > 0.5 and value(round_, "mouth_uuu") < 0.2
    # MediaPipe-like wide-open mouth: jaw open, lower lip barely reported. THA3's exact rule makes it a small "u";
    # by default the lower lip follows the jaw and it opens as "a".
    mediapipe_open = face(jawOpen=0.5, mouthLowerDownLeft=0.01, mouthLowerDownRight=0.01)
    assert value(face_to_pose(mediapipe_open), "mouth_aaa") > 0.9
    assert value(face_to_pose(mediapipe_open, thas_rule), "mouth_aaa") < 0.6
    closed_frown = face_to_pose(face(mouthFrownLeft=0.3, mouthFrownRight=0.3))
    assert value(closed_frown, "mouth_lowered_corner_left") == pytest.approx(1.0)


@pytest.mark.parametrize("target, index", [([1.0, 1.0, 0.0, 0.0], 0), ([0.0, 1.0, 0.0, 0.0], 1),
                                           ([0.5, 0.3, 0.25, 0.75], 2), ([1.0, 0.5, 0.5, 0.4], 3)])
def test_vowel_split_recovers_each_target(target, index):
    w = split_vowels(np.array(target))
    assert int(np.argmax(w)) == index
    assert w[index] > 0.9
    assert np.all((w >= 0) & (w <= 1))


def test_head_angles_map_to_thas_ranges_with_body_following():
    pose = face_to_pose(face(HeadPose(yaw=5.0, pitch=30.0, roll=-7.5)))
    assert value(pose, "head_x") == pytest.approx(1.0)  # clamped at 15 degrees
    assert value(pose, "head_y") == pytest.approx(-0.5)  # turning to one's own left: THA3's head_y < 0
    assert value(pose, "body_y") == pytest.approx(-0.5)
    assert value(pose, "neck_z") == pytest.approx(-0.5)
    mirrored = face_to_pose(face(HeadPose(yaw=5.0, roll=-7.5)), AnimeMapping(mirror=True, body_follow=0.0))
    assert value(mirrored, "head_y") == pytest.approx(0.5) and value(mirrored, "body_y") == 0.0
    assert value(mirrored, "neck_z") == pytest.approx(0.5)


def test_gaze_uses_thas_formula_and_flips_when_mirrored():
    looking = face(eyeLookInLeft=0.75, eyeLookOutRight=0.75, eyeLookUpLeft=0.3, eyeLookUpRight=0.3)
    pose = face_to_pose(looking)
    assert value(pose, "iris_rotation_y") == pytest.approx(1.0)
    assert value(pose, "iris_rotation_x") == pytest.approx(0.4)
    assert value(face_to_pose(looking, AnimeMapping(mirror=True)), "iris_rotation_y") == pytest.approx(-1.0)


def test_mapping_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(mapping_json(AnimeMapping(jaw_open_max=0.6, wink_mode="relaxed")))
    m = load_mapping(path)
    assert m.jaw_open_max == 0.6 and m.wink_mode == "relaxed"
    assert value(face_to_pose(face(eyeBlinkLeft=0.8), m), "eye_relaxed_left") == pytest.approx(1.0)
    for bad, words in (({"jaw_open_maxx": 1}, "unknown setting 'jaw_open_maxx'"),
                       ({"jaw_open_max": "high"}, "jaw_open_max must be a float"),
                       ({"jaw_open_min": 0.5, "jaw_open_max": 0.4}, "jaw_open_min must be below jaw_open_max"),
                       ({"eyebrow_down_mode": "sad"}, "eyebrow_down_mode 'sad' is not one of")):
        path.write_text(json.dumps(bad))
        with pytest.raises(ConfigError, match=words):
            load_mapping(path)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not readable JSON"):
        load_mapping(path)
    with pytest.raises(ConfigError, match="vtbridge anime mapping --out"):
        load_mapping(tmp_path / "missing.json")


def test_non_finite_tracker_values_never_reach_tha3():
    broken = face(HeadPose(yaw=float("nan"), pitch=float("inf")), eyeBlinkLeft=float("nan"), jawOpen=float("nan"))
    pose = face_to_pose(broken)
    assert np.all(np.isfinite(pose)) and pose.min() >= -1.0 and pose.max() <= 1.0
