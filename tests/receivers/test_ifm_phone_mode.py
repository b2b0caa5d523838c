"""Phone mode over real UDP on loopback: three receivers, each a port of a real one (VMagicMirror parses v1 only,
THA3 and VRCFaceTracking's iFacialMocap module v2 only), send their handshakes; vtbridge streams to each in its
version and each reads every blendshape.

The protocol answers to the requester's port 49983; here that port is an ephemeral one the receivers share on
three loopback addresses (127.0.0.1-3), given to the output as its reply port.
"""

from __future__ import annotations

import socket

import pytest

from tests.receivers.ports import THA3_BLENDSHAPE_NAMES, Tha3Receiver, VMagicMirrorFace, VMagicMirrorReceiver, \
    VrcftReceiver, vmagicmirror_parse
from tests.tracked import tracked
from vtbridge.mapping.profile import load_profile
from vtbridge.outputs.ifm_listener import IfmOutput
from vtbridge.protocols.ifacialmocap import arkit_name, build_ifm_datagram, ifm_name
from vtbridge.signal.view import apply_view

IFM_NAMES = {ifm_name(n) for n in THA3_BLENDSHAPE_NAMES}


def _trio():
    """Ports of VMagicMirror on 127.0.0.1:P, THA3 on 127.0.0.2:P and VRCFaceTracking's module on 127.0.0.3:P (the
    same P, as all would use 49983)."""
    for _ in range(20):
        vmm = VMagicMirrorReceiver("127.0.0.1", 0)
        made = [vmm]
        try:
            made.append(Tha3Receiver("127.0.0.2", vmm.address[1]))
            made.append(VrcftReceiver("127.0.0.3", vmm.address[1]))
            return made
        except OSError as err:
            for r in made:
                r.close()
            if err.errno not in (98, 10048):  # EADDRINUSE: try another P
                pytest.skip(f"127.0.0.2/3 are not usable here ({err})")
    pytest.skip("no port free on all three loopback addresses")


def _percent(v: float) -> int:
    return max(0, min(100, int(v * 100 + 0.5)))


def _drain(*socks) -> None:
    """Drop what arrived while the receivers were subscribing, so each read below is the frame just sent."""
    for s in socks:
        s.setblocking(False)
        try:
            while True:
                s.recv(65535)
        except BlockingIOError:
            pass
        s.settimeout(5.0)


def _frames(n: int):
    _, faces = tracked("drive_d20.mp4")
    mapper = load_profile("ifacialmocap").mapper()
    return [mapper.process(apply_view(f, "mirror")) for f in faces if f.found][:n]


def test_each_receiver_gets_every_blendshape_in_the_version_it_asked_for():
    vmm, tha, vrcft = _trio()
    frames = _frames(30)
    try:
        with IfmOutput([], listen=0, listen_host="127.0.0.1", reply_port=vmm.address[1]) as out:
            tracker = ("127.0.0.1", out.listen_port)
            for r in (vmm, tha, vrcft):
                r.connect(tracker)
            out.send(frames[0])  # drains the handshakes, then streams
            for _ in range(3):
                if len(out.subscribers.all) == 3:
                    break
                out.send(frames[0])
            subs = {s.host: s.version for s in out.subscribers.all}
            assert subs == {"127.0.0.1": 1, "127.0.0.2": 2, "127.0.0.3": 2}
            _drain(vmm.sock, tha.sock, vrcft.sock)
            for frame in frames[1:]:
                out.send(frame)
                v1, v2, v2b = vmm.receive(), tha.receive(), vrcft.receive()
                assert v2b == v2
                sent = {ifm_name(n): v for n, v in zip(frame.names, frame.values.tolist())}
                assert v1.startswith("trackingStatus-") and "&" not in v1
                assert v2.startswith("trackingStatus&") and "-" not in v2.split("=")[0]
                # VMagicMirror's rule read every blendshape, with the value sent
                got = {k: v for k, v in vmm.face.blendshapes.items() if k != "trackingStatus"}
                assert set(got) == IFM_NAMES
                assert all(abs(got[k] - _percent(sent[k]) / 100) < 1e-9 for k in got)
                # THA3's rule read every blendshape (as ARKit names)
                assert set(k for k in tha.pose if k in THA3_BLENDSHAPE_NAMES) == set(THA3_BLENDSHAPE_NAMES)
                assert all(abs(tha.pose[arkit_name(k)] - _percent(sent[k]) / 100) < 1e-9 for k in sent)
                assert len(tha.pose["head"]) == 6 and vmm.face.head_euler is not None
                # the VRCFaceTracking module drops the first item: our first is trackingStatus, so no blendshape
                assert set(vrcft.pose["blends"]) == IFM_NAMES and len(vrcft.pose["=head"]) == 6
                assert all(vrcft.pose["blends"][k] == _percent(sent[k]) for k in sent)
            st = out.status()
            assert st.state == "ok" and sorted(st.detail["receivers"]) == [
                f"127.0.0.1:{vmm.address[1]} v1", f"127.0.0.2:{vmm.address[1]} v2",
                f"127.0.0.3:{vmm.address[1]} v2"]
    finally:
        for r in (vmm, tha, vrcft):
            r.close()


def test_a_version_mismatch_drops_every_expression_in_the_receiver():
    """Why the version matters: a v1-only parser given v2 text keeps moving the head and reads no expression."""
    frame = _frames(1)[0]
    face = VMagicMirrorFace()
    vmagicmirror_parse(build_ifm_datagram(frame, 2).decode("ascii"), face)
    assert face.head_euler is not None and face.blendshapes == {}


def test_a_receiver_that_asks_again_with_another_version_is_switched():
    frame = _frames(1)[0]
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5.0)
    try:
        with IfmOutput([], listen=0, listen_host="127.0.0.1", reply_port=rx.getsockname()[1]) as out:
            tracker = ("127.0.0.1", out.listen_port)
            rx.sendto(b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719", tracker)
            out.send(frame)
            assert b"trackingStatus-" in rx.recv(65535)
            rx.sendto(b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719|sendDataVersion=v2", tracker)
            out.send(frame)
            assert b"trackingStatus&" in rx.recv(65535)
            assert len(out.subscribers.all) == 1
    finally:
        rx.close()


def test_push_targets_keep_working_each_with_its_own_version():
    a, b = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for s in (a, b):
        s.bind(("127.0.0.1", 0))
        s.settimeout(5.0)
    try:
        targets = [f"127.0.0.1:{a.getsockname()[1]}", f"127.0.0.1:{b.getsockname()[1]}@v2"]
        with IfmOutput(targets) as out:
            out.send(_frames(1)[0])
            assert b"trackingStatus-" in a.recv(65535) and b"trackingStatus&" in b.recv(65535)
            assert out.status().detail["targets"] == [f"{targets[0]}@v1", targets[1]]
    finally:
        a.close()
        b.close()


def test_phone_mode_on_a_busy_port_says_what_to_do():
    from vtbridge.errors import OutputError

    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(OutputError, match="in use.*--ifm 127.0.0.1:49983"):
            IfmOutput([], listen=holder.getsockname()[1], listen_host="127.0.0.1")
    finally:
        holder.close()


def test_no_target_and_no_listening_is_a_clear_error():
    from vtbridge.errors import OutputError

    with pytest.raises(OutputError, match="no target and no phone mode"):
        IfmOutput([])
