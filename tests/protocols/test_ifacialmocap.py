"""iFacialMocap text format: fields, separators, clamping, signs."""

from __future__ import annotations

import pytest

from tests.protocols.helpers import mapped
from vtbridge.frames import ARKIT_NAMES, Gaze, HeadPose
from vtbridge.protocols.ifacialmocap import arkit_name, build_ifm_datagram, ifm_name, parse_ifm_datagram


def test_v1_exact_text():
    frame = mapped(("eyeBlink_L", "jawOpen"), [0.37, 0.123], head=HeadPose(yaw=10, pitch=5, roll=-2, x=1, y=2, z=-50),
                   gaze=Gaze(left_yaw=3, left_pitch=-4, right_yaw=1, right_pitch=2))
    text = build_ifm_datagram(frame, 1).decode("ascii")
    assert text == ("trackingStatus-1|eyeBlink_L-37|jawOpen-12|"
                    "=head#-5.0000,10.0000,-2.0000,0.0100,0.0200,-0.5000|"
                    "rightEye#-2.0000,1.0000,0.0000|leftEye#4.0000,3.0000,0.0000|")


def test_v2_uses_ampersand_everywhere_else_identical():
    frame = mapped(("eyeBlink_L", "jawOpen"), [0.5, 1.0])
    v1 = build_ifm_datagram(frame, 1).decode()
    v2 = build_ifm_datagram(frame, 2).decode()
    assert "eyeBlink_L&50|jawOpen&100|" in v2 and "-50" not in v2.split("=")[0]
    assert v2.split("=")[1] == v1.split("=")[1]
    assert parse_ifm_datagram(v2.encode()).version == 2 and parse_ifm_datagram(v1.encode()).version == 1


def test_arkit_names_are_converted_directions_kept():
    assert ifm_name("eyeBlinkLeft") == "eyeBlink_L"
    assert ifm_name("eyeLookInRight") == "eyeLookIn_R"
    assert ifm_name("mouthLeft") == "mouthLeft" and ifm_name("jawRight") == "jawRight"
    assert ifm_name("eyeBlink_L") == "eyeBlink_L"
    assert all(arkit_name(ifm_name(n)) == n for n in ARKIT_NAMES)
    pkt = parse_ifm_datagram(build_ifm_datagram(mapped(ARKIT_NAMES), 1))
    assert len(pkt.blendshapes) == 52 and "noseSneer_R" in pkt.blendshapes and "mouthRight" in pkt.blendshapes


def test_values_clamped_and_rounded_to_integer_percent():
    vals = [-0.3, 0.0, 0.004, 0.006, 0.994, 1.0, 1.7, float("nan")]
    names = tuple(f"s{i}" for i in range(len(vals)))
    pkt = parse_ifm_datagram(build_ifm_datagram(mapped(names, vals), 1))
    assert list(pkt.blendshapes.values()) == [0, 0, 0, 1, 99, 100, 100, 0]


def test_tracking_status_follows_face():
    assert parse_ifm_datagram(build_ifm_datagram(mapped(found=True), 2)).tracking == 1
    assert parse_ifm_datagram(build_ifm_datagram(mapped(found=False), 2)).tracking == 0
    text = build_ifm_datagram(mapped(), 1, tracking_status=False)
    assert b"trackingStatus" not in text


def test_head_and_eye_signs():
    """ARKit camera-frame Euler: X = -pitch (down positive), Y = yaw (toward own left), Z = roll; metres."""
    head = HeadPose(yaw=20.0, pitch=10.0, roll=5.0, x=3.0, y=-2.0, z=-45.0)
    gaze = Gaze(left_yaw=-4.0, left_pitch=-6.0, right_yaw=4.0, right_pitch=-6.0)  # converging, looking down
    pkt = parse_ifm_datagram(build_ifm_datagram(mapped(head=head, gaze=gaze), 1))
    assert pkt.head == pytest.approx((-10.0, 20.0, 5.0, 0.03, -0.02, -0.45))
    # Like the app's published sample: both eyes X > 0 looking down, right eye Y > 0 and left eye Y < 0 converging.
    assert pkt.right_eye == pytest.approx((6.0, 4.0, 0.0)) and pkt.left_eye == pytest.approx((6.0, -4.0, 0.0))


def test_mirror_view_is_what_receivers_expect_relative_to_camera_view():
    """Issue #9 point 2: relative to the camera view, receivers expect head Y and Z and px negated, every _L/_R
    swapped, mouthLeft/Right and jawLeft/Right swapped and the eye blocks swapped (the mirror view)."""
    from vtbridge.frames import ARKIT_INDEX, FaceFrame, neutral_blendshapes
    from vtbridge.mapping.profile import load_profile
    from vtbridge.signal.view import apply_view

    bs = neutral_blendshapes()
    for name, v in (("eyeBlinkLeft", 0.1), ("mouthLeft", 0.2), ("jawRight", 0.4), ("jawOpen", 0.3)):
        bs[ARKIT_INDEX[name]] = v
    face = FaceFrame(t=0.0, found=True, blendshapes=bs, head=HeadPose(yaw=20.0, pitch=10.0, roll=5.0, x=3.0),
                     gaze=Gaze(left_yaw=-4.0, left_pitch=2.0, right_yaw=7.0, right_pitch=-1.0))
    mapper = load_profile("ifacialmocap").mapper
    cam = parse_ifm_datagram(build_ifm_datagram(mapper().process(apply_view(face, "camera")), 1))
    mir = parse_ifm_datagram(build_ifm_datagram(mapper().process(apply_view(face, "mirror")), 1))
    assert cam.blendshapes["eyeBlink_L"] == 10 and cam.blendshapes["mouthLeft"] == 20
    swapped = {n.replace("_L", "_X").replace("_R", "_L").replace("_X", "_R").replace("Left", "Tmp")
               .replace("Right", "Left").replace("Tmp", "Right"): v for n, v in cam.blendshapes.items()}
    assert mir.blendshapes == swapped and mir.blendshapes["jawLeft"] == 40
    assert mir.head == pytest.approx((cam.head[0], -cam.head[1], -cam.head[2], -cam.head[3], *cam.head[4:]))
    assert mir.right_eye == pytest.approx((cam.left_eye[0], -cam.left_eye[1], 0.0))
    assert mir.left_eye == pytest.approx((cam.right_eye[0], -cam.right_eye[1], 0.0))


def test_bad_version_and_parser_errors():
    with pytest.raises(ValueError):
        build_ifm_datagram(mapped(), 3)
    with pytest.raises(ValueError):
        parse_ifm_datagram(b"jawOpen-1|=head#1,2|")
    with pytest.raises(ValueError):
        parse_ifm_datagram(b"jawOpen-1|eyeBlink_L&2|")
    with pytest.raises(ValueError):
        parse_ifm_datagram(b"jawOpen-1")
