"""Every output, read by a port of a real receiver, against what the camera saw (raw landmarks): with
``view = "mirror"`` (the default) the avatar moves like the user's reflection, with ``"camera"`` side for side.

Reference (tests/receivers/reference.py): the nose tip's sideways offset in the image, which eyelid gap is the
smaller, where the irises sit between the eye corners. Receiver rules (tests/receivers/ports.py): EVMC4U for VMC,
VMagicMirror for iFacialMocap, VTube Studio's parameter directions for the vtube-studio profile. On screen, a
mirror shows everything the camera image shows reversed left-right; the camera view shows it the same way round.
"""

from __future__ import annotations

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle

from tests.receivers import reference as ref
from tests.receivers.ports import Evmc4uAvatar, VMagicMirrorFace, expressionappbridge_name, vmagicmirror_parse
from tests.tracked import tracked
from vtbridge.mapping.profile import load_profile
from vtbridge.protocols.ifacialmocap import build_ifm_datagram, parse_ifm_datagram
from vtbridge.protocols.vmc import VmcEncoder, VmcOptions
from vtbridge.signal.view import apply_view

CLIP = "drive_d3.mp4"  # turns the head both ways (nose offset -0.22..+0.32 face widths) and winks each eye
#: mirror: the screen shows the image reversed; camera: the same way round
EXPECTED = {"mirror": -1.0, "camera": 1.0}


@pytest.fixture(scope="module")
def clip():
    _, faces = tracked(CLIP)
    faces = [f for f in faces if f.found]
    lm = [f.landmarks for f in faces]
    nose = np.array([ref.nose_offset(x) for x in lm])
    iris = np.array([ref.iris_offset(x) for x in lm])
    side, size = ref.closed_side(np.array([ref.eye_apertures(x) for x in lm]))
    return faces, nose, iris, side, size


def agreement(image: np.ndarray, screen: np.ndarray) -> float:
    """Share of the frames where the image moves most (top fifth, relative to the clip's median) in which the
    avatar's screen motion has the same sign."""
    di, ds = image - np.median(image), screen - np.median(screen)
    big = np.abs(di) > np.quantile(np.abs(di), 0.8)
    assert big.sum() >= 40 and np.abs(di[big]).min() > 0.02  # enough clear motion for the check to mean something
    return float(np.mean(np.sign(di[big]) == np.sign(ds[big])))


def wink_agreement(side: np.ndarray, size: np.ndarray, screen_side: np.ndarray) -> float:
    clear = (size > 0.3) & (screen_side != 0)
    assert clear.sum() >= 20  # winks of either eye
    assert set(side[clear]) == {-1.0, 1.0}
    return float(np.mean(side[clear] == screen_side[clear]))


def evmc4u_avatars(faces, view: str, profile: str, options=VmcOptions()):
    mapper, encoder = load_profile(profile).mapper(), VmcEncoder(options)
    avatars = []
    for f in faces:
        avatar = Evmc4uAvatar()
        for datagram in encoder.encode(mapper.process(apply_view(f, view))):
            for msg in OscBundle(datagram):  # python-osc decodes: not our encoder's code
                avatar.message(msg.address, list(msg.params))
        avatars.append(avatar)
    return avatars


@pytest.mark.parametrize("view", ["mirror", "camera"])
def test_vmc_head_eyes_and_blinks_in_evmc4u(clip, view):
    faces, nose, iris, side, size = clip
    want = 1.0 if EXPECTED[view] > 0 else 0.0
    avatars = evmc4u_avatars(faces, view, "vseeface")
    assert agreement(nose, np.array([a.nose_screen_x() for a in avatars])) == pytest.approx(want, abs=0.1)
    assert agreement(iris, np.array([a.eye_screen_x() for a in avatars])) == pytest.approx(want, abs=0.1)
    blinks = np.array([a.closed_eye_screen_side("Blink_L", "Blink_R") for a in avatars])
    assert wink_agreement(side, size, blinks) == pytest.approx(want, abs=0.1)
    perfect_sync = evmc4u_avatars(faces, view, "arkit")
    blinks = np.array([a.closed_eye_screen_side("EyeBlinkLeft", "EyeBlinkRight") for a in perfect_sync])
    assert wink_agreement(side, size, blinks) == pytest.approx(want, abs=0.1)


@pytest.mark.parametrize("limit, rng", [(10.0, 30.0), (5.0, 40.0)])
def test_vmc_eye_bones_stay_within_the_configured_limit_on_a_real_clip(clip, limit, rng):
    faces = clip[0]
    gaze = max(max(abs(f.gaze.left_yaw), abs(f.gaze.right_yaw), abs(f.gaze.left_pitch)) for f in faces)
    assert gaze > limit  # raw gaze would go past the limit
    avatars = evmc4u_avatars(faces, "mirror", "vseeface", VmcOptions(eye_limit=limit, eye_range=rng))
    angles = np.array([a.eye_angles() for a in avatars])
    # per axis at most `limit`, so the combined angle is at most limit * sqrt(2)
    assert angles.max() <= limit * np.sqrt(2) + 1e-3
    assert angles.max() > limit * 0.3  # the eyes do move


@pytest.mark.parametrize("view", ["mirror", "camera"])
def test_ifacialmocap_head_and_sides_in_vmagicmirror(clip, view):
    faces, nose, _, side, size = clip
    want = 1.0 if EXPECTED[view] > 0 else 0.0
    mapper = load_profile("ifacialmocap").mapper()
    received = []
    for f in faces:
        face = VMagicMirrorFace()
        vmagicmirror_parse(build_ifm_datagram(mapper.process(apply_view(f, view)), 1).decode("ascii"), face)
        received.append(face)
    assert agreement(nose, np.array([r.nose_screen_x() for r in received])) == pytest.approx(want, abs=0.1)
    blinks = np.array([r.closed_eye_screen_side() for r in received])
    assert wink_agreement(side, size, blinks) == pytest.approx(want, abs=0.1)


def test_ifacialmocap_sides_match_expressionappbridge_on_raw_mediapipe_scores(clip):
    """ExpressionAppBridge turns MediaPipe's own scores into iFacialMocap names with its Left -> _R table, tuned
    against VSeeFace and VNyan. Our default (mirror) view sends exactly those values under those names; the camera
    view does not."""
    faces = clip[0]
    mapper = {view: load_profile("ifacialmocap").mapper() for view in ("mirror", "camera")}
    differs = 0
    for f in faces:
        expected = {expressionappbridge_name(n): round(v * 100) for n, v in f.blendshape_dict().items()}
        got = {view: parse_ifm_datagram(build_ifm_datagram(mapper[view].process(apply_view(f, view)), 1))
               for view in mapper}
        mirror = got["mirror"].blendshapes
        assert set(mirror) == set(expected)
        assert all(abs(mirror[k] - expected[k]) <= 1 for k in expected)  # rounding only
        differs += any(abs(got["camera"].blendshapes[k] - expected[k]) > 10 for k in expected)
    assert differs > len(faces) // 4  # the camera view really is the other way round


@pytest.mark.parametrize("view", ["mirror", "camera"])
def test_vtube_studio_face_angle_and_eyes(clip, view):
    """VTS input parameters: FaceAngleX and FacePositionX > 0 toward screen-right (Live2D's ParamAngleX), and
    EyeOpenLeft is the model's own left eye, seen on the right."""
    faces, nose, _, side, size = clip
    want = 1.0 if EXPECTED[view] > 0 else 0.0
    mapper = load_profile("vtube-studio").mapper()
    values = [mapper.process(apply_view(f, view)).as_dict() for f in faces]
    assert agreement(nose, np.array([v["FaceAngleX"] for v in values])) == pytest.approx(want, abs=0.1)
    closed = np.array([np.sign(v["EyeOpenRight"] - v["EyeOpenLeft"]) for v in values])
    assert wink_agreement(side, size, closed) == pytest.approx(want, abs=0.1)


def test_every_output_agrees_with_the_others_by_default(clip):
    """The bug this fixes: with --vmc --vts two avatars turned opposite ways. Now all follow one view."""
    faces = clip[0]
    vmc = np.array([a.nose_screen_x() for a in evmc4u_avatars(faces, "mirror", "vseeface")])
    ifm_mapper, vts_mapper = load_profile("ifacialmocap").mapper(), load_profile("vtube-studio").mapper()
    ifm, vts = [], []
    for f in faces:
        viewed = apply_view(f, "mirror")
        face = VMagicMirrorFace()
        vmagicmirror_parse(build_ifm_datagram(ifm_mapper.process(viewed), 1).decode("ascii"), face)
        ifm.append(face.nose_screen_x())
        vts.append(vts_mapper.process(viewed).as_dict()["FaceAngleX"])
    assert agreement(vmc, np.array(ifm)) == 1.0 and agreement(vmc, np.array(vts)) == 1.0
