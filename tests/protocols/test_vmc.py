"""VMC message building: coordinates, splitting, ordering and types. Decoded with python-osc (independent)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from tests.protocols.helpers import long_names, mapped
from vtbridge.errors import OutputError
from vtbridge.frames import ARKIT_NAMES, Gaze, HeadPose
from vtbridge.protocols import vmc
from vtbridge.protocols.vmc import VmcEncoder, VmcOptions, build_vmc_datagrams
from vtbridge.tracking.pose import euler_to_quaternion, quaternion_to_euler

EXPECTED_TAGS = {
    "/VMC/Ext/Root/Pos": "sfffffff",
    "/VMC/Ext/Bone/Pos": "sfffffff",
    "/VMC/Ext/Blend/Val": "sf",
    "/VMC/Ext/Blend/Apply": "",
    "/VMC/Ext/OK": "iiii",
    "/VMC/Ext/T": "f",
}


def _tag(p) -> str:
    if isinstance(p, bool):
        raise AssertionError("booleans are not VMC types")
    return {int: "i", float: "f", str: "s"}[type(p)]


def _messages(datagram: bytes) -> list[tuple[str, str, list]]:
    """(address, type tags inferred from python-osc's decoded Python types, params) for one datagram."""
    def walk(item):
        if isinstance(item, OscBundle):
            for x in item:
                yield from walk(x)
        else:
            yield item
    root = OscBundle(datagram) if OscBundle.dgram_is_bundle(datagram) else OscMessage(datagram)
    return [(m.address, "".join(_tag(p) for p in m.params), list(m.params)) for m in walk(root)]


def _all(datagrams):
    return [m for d in datagrams for m in _messages(d)]


def _bones(datagrams) -> dict[str, tuple]:
    out = {}
    for addr, _, p in _all(datagrams):
        if addr == "/VMC/Ext/Bone/Pos":
            out[p[0]] = (tuple(p[1:4]), tuple(p[4:8]))
    return out


def _same_rotation(a, b, tol=1e-5):
    return abs(abs(sum(x * y for x, y in zip(a, b))) - 1.0) < tol


@pytest.mark.parametrize("ypr", [(20, 10, 5), (-35, 12, -8), (0, -25, 0), (60, 0, 30)])
def test_camera_quaternion_matches_pose_module(ypr):
    assert _same_rotation(vmc.camera_quaternion(*ypr), euler_to_quaternion(*ypr), 1e-12)


@pytest.mark.parametrize("ypr", [(25.0, 10.0, -7.0), (-40.0, -15.0, 12.0), (5.0, 30.0, 0.0)])
def test_head_round_trip_after_undoing_conversion(ypr):
    frame = mapped(head=HeadPose(*ypr))
    bones = _bones(build_vmc_datagrams(frame))
    neck, head = bones["Neck"][1], bones["Head"][1]
    total = vmc.qmul(neck, head)  # Head is local to Neck
    back = quaternion_to_euler(vmc.from_unity(total))
    assert back == pytest.approx(ypr, abs=1e-3)


def test_yaw_turns_avatar_to_its_own_left():
    """User turns to own left (yaw > 0): forward (0,0,1) of the Unity Head goes to -x, the avatar's left."""
    bones = _bones(build_vmc_datagrams(mapped(head=HeadPose(yaw=30.0))))
    total = vmc.qmul(bones["Neck"][1], bones["Head"][1])
    for q in (total, bones["Head"][1], bones["Neck"][1]):
        fx, fy, fz = vmc.qrotate(q, (0.0, 0.0, 1.0))
        assert fx < -0.05 and abs(fy) < 1e-6 and fz > 0
    assert vmc.qrotate(total, (0, 0, 1))[0] == pytest.approx(-math.sin(math.radians(30)), abs=1e-6)


def test_mirror_view_turns_avatar_to_its_own_right():
    from vtbridge.signal.view import mirror_head

    bones = _bones(build_vmc_datagrams(mapped(head=mirror_head(HeadPose(yaw=30.0)))))
    total = vmc.qmul(bones["Neck"][1], bones["Head"][1])
    assert vmc.qrotate(total, (0, 0, 1))[0] == pytest.approx(math.sin(math.radians(30)), abs=1e-6)


def test_pitch_up_looks_up():
    bones = _bones(build_vmc_datagrams(mapped(head=HeadPose(pitch=20.0))))
    fx, fy, fz = vmc.qrotate(vmc.qmul(bones["Neck"][1], bones["Head"][1]), (0, 0, 1))
    assert fy == pytest.approx(math.sin(math.radians(20)), abs=1e-6) and abs(fx) < 1e-6


def test_roll_tilts_toward_own_right_shoulder():
    """roll > 0 tilts the head toward the subject's own right shoulder: the avatar's top of head goes to +x."""
    bones = _bones(build_vmc_datagrams(mapped(head=HeadPose(roll=15.0))))
    ux, uy, _ = vmc.qrotate(vmc.qmul(bones["Neck"][1], bones["Head"][1]), (0, 1, 0))
    assert ux == pytest.approx(math.sin(math.radians(15)), abs=1e-6)


def test_neck_takes_its_documented_share():
    opts = VmcOptions(neck_ratio=0.25)
    neck, head = vmc.head_bones(HeadPose(yaw=40.0), opts)
    angle = lambda q: math.degrees(2 * math.atan2(math.sqrt(q[0] ** 2 + q[1] ** 2 + q[2] ** 2), abs(q[3])))
    assert angle(neck) == pytest.approx(10.0) and angle(head) == pytest.approx(30.0)
    with pytest.raises(OutputError):
        VmcOptions(neck_ratio=1.5)


def test_eyes_follow_each_eye_gaze():
    gaze = Gaze(left_yaw=12.0, left_pitch=0.0, right_yaw=-6.0, right_pitch=8.0)
    opts = VmcOptions(eye_limit=90.0, eye_range=90.0)  # unscaled, to check the directions
    bones = _bones(build_vmc_datagrams(mapped(gaze=gaze), options=opts))
    lx = vmc.qrotate(bones["LeftEye"][1], (0, 0, 1))
    rx = vmc.qrotate(bones["RightEye"][1], (0, 0, 1))
    assert lx[0] == pytest.approx(-math.sin(math.radians(12)), abs=1e-6)  # toward avatar's own left
    assert rx[0] == pytest.approx(math.sin(math.radians(6)) * math.cos(math.radians(8)), abs=1e-6)
    assert rx[1] == pytest.approx(math.sin(math.radians(8)), abs=1e-6)  # up
    # Mirror view: the avatar's LeftEye is driven by the subject's right eye, reflected.
    from vtbridge.signal.view import mirror_gaze

    mb = _bones(build_vmc_datagrams(mapped(gaze=mirror_gaze(gaze)), options=opts))
    assert vmc.qrotate(mb["LeftEye"][1], (0, 0, 1))[0] == pytest.approx(-rx[0], abs=1e-6)


def _eye_angle(q) -> float:
    return math.degrees(2 * math.atan2(math.sqrt(q[0] ** 2 + q[1] ** 2 + q[2] ** 2), abs(q[3])))


@pytest.mark.parametrize("limit,rng", [(10.0, 30.0), (6.0, 20.0), (15.0, 45.0)])
def test_eye_bones_scale_linearly_and_never_pass_the_limit(limit, rng):
    """The raw gaze reaches about 29 degrees; EVMC4U writes eye bones straight to the model, so they are scaled
    onto UniVRM's default LookAt range (10 degrees) and limited there, per axis."""
    opts = VmcOptions(eye_limit=limit, eye_range=rng)
    for yaw, pitch in [(29.0, 0.0), (-29.0, 24.0), (200.0, -200.0), (rng / 2, 0.0), (float("nan"), 3.0)]:
        bones = _bones(build_vmc_datagrams(mapped(gaze=Gaze(yaw, pitch, -yaw, pitch)), options=opts))
        for eye in ("LeftEye", "RightEye"):
            yaw_out, pitch_out, _ = quaternion_to_euler(vmc.from_unity(bones[eye][1]))
            assert abs(yaw_out) <= limit + 1e-3 and abs(pitch_out) <= limit + 1e-3
    half = _bones(build_vmc_datagrams(mapped(gaze=Gaze(rng / 2, 0.0, rng / 2, 0.0)), options=opts))
    assert _eye_angle(half["LeftEye"][1]) == pytest.approx(limit / 2, abs=1e-3)  # linear below the limit
    default = _bones(build_vmc_datagrams(mapped(gaze=Gaze(29.0, 0.0, 29.0, 0.0))))
    assert _eye_angle(default["LeftEye"][1]) == pytest.approx(29.0 / 3.0, abs=1e-3)  # 30 deg of gaze -> 10 deg


def test_bone_positions_are_the_configured_offsets():
    bones = _bones(build_vmc_datagrams(mapped()))
    for name, (pos, _) in bones.items():
        assert pos == pytest.approx(vmc.DEFAULT_BONE_OFFSETS[name], abs=1e-7)


def test_root_translation_off_by_default_and_scaled_when_on():
    head = HeadPose(x=10.0, y=-4.0, z=-40.0)  # 10 cm toward the subject's own left, 10 cm closer than origin
    root = [p for a, _, p in _all(build_vmc_datagrams(mapped(head=head))) if a == "/VMC/Ext/Root/Pos"][0]
    assert root == ["root", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    opts = VmcOptions(position_scale=1.0)
    root = [p for a, _, p in _all(build_vmc_datagrams(mapped(head=head), options=opts)) if a == "/VMC/Ext/Root/Pos"][0]
    assert root[1:4] == pytest.approx([-0.10, -0.04, 0.10], abs=1e-6)  # avatar's left is -x; closer is +z


def test_type_tags_exact_and_order():
    msgs = _all(build_vmc_datagrams(mapped()))
    for addr, tags, _ in msgs:
        assert tags == EXPECTED_TAGS[addr], addr
    addrs = [a for a, _, _ in msgs]
    assert addrs[:5] == ["/VMC/Ext/Root/Pos"] + ["/VMC/Ext/Bone/Pos"] * 4
    assert [p[0] for a, _, p in msgs if a == "/VMC/Ext/Bone/Pos"] == ["Neck", "Head", "LeftEye", "RightEye"]
    assert addrs[5:7] == ["/VMC/Ext/OK", "/VMC/Ext/T"] and addrs[-1] == "/VMC/Ext/Blend/Apply"


def test_blend_values_are_the_profile_outputs_as_float32():
    values = np.random.default_rng(1).random(len(ARKIT_NAMES)).astype(np.float32)
    msgs = _all(build_vmc_datagrams(mapped(values=values)))
    vals = [(p[0], p[1]) for a, _, p in msgs if a == "/VMC/Ext/Blend/Val"]
    assert [n for n, _ in vals] == list(ARKIT_NAMES)
    assert np.array([v for _, v in vals], dtype=np.float32).tobytes() == values.tobytes()


def test_ok_and_time():
    ok = lambda f: [p for a, _, p in _all(build_vmc_datagrams(f)) if a == "/VMC/Ext/OK"][0]
    assert ok(mapped(found=True)) == [1, 3, 0, 1]
    assert ok(mapped(found=False)) == [1, 3, 0, 0]
    t = [p for a, _, p in _all(build_vmc_datagrams(mapped(t=12.5))) if a == "/VMC/Ext/T"][0]
    assert t == [0.0]  # the first frame of a stream


@pytest.mark.parametrize("n", [64, 200])
def test_datagrams_stay_under_1200_bytes_and_apply_is_last(n):
    names = long_names(n)
    datagrams = build_vmc_datagrams(mapped(names), max_datagram=1200)
    assert len(datagrams) > 1
    assert all(len(d) <= 1200 for d in datagrams)
    per = [_messages(d) for d in datagrams]
    flat = [m for ms in per for m in ms]
    vals = [i for i, (a, _, _) in enumerate(flat) if a == "/VMC/Ext/Blend/Val"]
    applies = [i for i, (a, _, _) in enumerate(flat) if a == "/VMC/Ext/Blend/Apply"]
    assert [flat[i][2][0] for i in vals] == list(names)  # every output once, in profile order
    assert len(applies) == 1 and applies[0] > max(vals)
    assert any(a == "/VMC/Ext/Blend/Apply" for a, _, _ in per[-1])


def test_smaller_limit_is_respected():
    datagrams = build_vmc_datagrams(mapped(long_names(60)), max_datagram=512)
    assert all(len(d) <= 512 for d in datagrams)


def test_plain_messages_mode():
    datagrams = build_vmc_datagrams(mapped(ARKIT_NAMES[:5]), options=VmcOptions(bundled=False))
    assert not any(d.startswith(b"#bundle") for d in datagrams)
    assert len(datagrams) == 1 + 4 + 2 + 5 + 1
    assert [OscMessage(d).address for d in datagrams][5:7] == ["/VMC/Ext/OK", "/VMC/Ext/T"]
    assert OscMessage(datagrams[-1]).address == "/VMC/Ext/Blend/Apply"


def test_time_counts_from_the_stream_start_in_float32():
    """/VMC/Ext/T is float32: time.monotonic() after days of uptime would lose sub-millisecond steps."""
    enc = VmcEncoder()
    t0 = 3_000_000.0  # about 35 days of monotonic clock
    times = []
    for i in range(3):
        msgs = _all(enc.encode(mapped(t=t0 + i / 60)))
        times += [p[0] for a, _, p in msgs if a == "/VMC/Ext/T"]
    assert times == pytest.approx([0.0, 1 / 60, 2 / 60], abs=1e-6)


def test_without_eyes_only_neck_and_head():
    bones = _bones(build_vmc_datagrams(mapped(), options=VmcOptions(eyes=False)))
    assert list(bones) == ["Neck", "Head"]


def test_encoder_reuses_layout_and_follows_profile_changes():
    enc = VmcEncoder()
    a = enc.encode(mapped(ARKIT_NAMES[:3]))
    b = enc.encode(mapped(("A", "B")))
    assert [p[0] for x, _, p in _all(a) if x == "/VMC/Ext/Blend/Val"] == list(ARKIT_NAMES[:3])
    assert [p[0] for x, _, p in _all(b) if x == "/VMC/Ext/Blend/Val"] == ["A", "B"]


def test_name_too_long_for_a_datagram_is_a_user_error():
    with pytest.raises(OutputError, match="shorten"):
        build_vmc_datagrams(mapped(("x" * 1300,)))
