"""UDP sender: real sockets on loopback, decoded by independent receivers (oscdump from liblo-tools, python-osc)."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle

from tests.protocols.helpers import long_names, mapped
from vtbridge.errors import OutputError
from vtbridge.frames import ARKIT_NAMES, HeadPose
from vtbridge.outputs.base import Output
from vtbridge.outputs.udp import (IFM_DEFAULT, VMC_DEFAULT, UdpOutput, ifm_output, parse_target, vmc_output)
from vtbridge.protocols.ifacialmocap import ifm_name, parse_ifm_datagram

GUARD_S = 10.0  # failure guard for blocking reads only, never a performance threshold


@pytest.fixture
def receiver():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(GUARD_S)
    yield sock
    sock.close()


def _closed_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- parse_target ---------------------------------------------------------------------------------------------


def test_parse_target_accepts_host_port_forms():
    assert parse_target("127.0.0.1:39539") == ("127.0.0.1", 39539)
    assert parse_target(" localhost:49983 ") == ("localhost", 49983)
    assert parse_target("[::1]:39540") == ("::1", 39540)


@pytest.mark.parametrize("bad", ["127.0.0.1", "127.0.0.1:", ":39539", "host:port", "host:0", "host:70000",
                                 "::1:39539", ""])
def test_parse_target_rejects_with_a_one_line_hint(bad):
    with pytest.raises(OutputError) as e:
        parse_target(bad)
    msg = str(e.value)
    assert repr(bad) in msg and ("HOST:PORT" in msg or "brackets" in msg) and "\n" not in msg


def test_defaults_and_protocol():
    assert VMC_DEFAULT == ("127.0.0.1", 39539) and IFM_DEFAULT == ("127.0.0.1", 49983)
    out = vmc_output([("127.0.0.1", _closed_port())])
    try:
        assert isinstance(out, Output) and out.name == "vmc"
    finally:
        out.close()


def test_factory_errors_are_user_errors():
    with pytest.raises(OutputError):
        ifm_output(version=3)
    with pytest.raises(OutputError):
        vmc_output(wobble=1)
    with pytest.raises(OutputError):
        UdpOutput("x", [], lambda f: [])
    with pytest.raises(OutputError, match="resolve"):
        vmc_output(["no-such-host.invalid:39539"])


# --- sending ------------------------------------------------------------------------------------------------


def test_vmc_frames_arrive_from_an_ephemeral_port(receiver):
    port = receiver.getsockname()[1]
    frame = mapped(long_names(70), head=HeadPose(yaw=15.0))
    with vmc_output([f"127.0.0.1:{port}"]) as out:
        out.send(frame)
        n = out.status().packets
        assert n >= 2  # 70 long names need several bundles
        got = []
        for _ in range(n):
            data, src = receiver.recvfrom(65535)
            assert len(data) <= 1200
            assert src[1] in out.local_ports and src[1] not in (port, VMC_DEFAULT[1])
            got.extend(m for m in OscBundle(data))
    vals = [m.params[0] for m in got if m.address == "/VMC/Ext/Blend/Val"]
    assert vals == list(frame.names)
    assert got[-1].address == "/VMC/Ext/Blend/Apply"  # the last message of the last datagram


def test_every_target_gets_the_frame(receiver):
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    other.settimeout(GUARD_S)
    try:
        targets = [receiver.getsockname(), other.getsockname()]
        with ifm_output(targets, version=2) as out:
            out.send(mapped(("jawOpen",), [0.5]))
            for s in (receiver, other):
                assert b"jawOpen&50|" in s.recv(65535)
            assert out.status().packets == 2
    finally:
        other.close()


def test_ifacialmocap_round_trip(receiver):
    port = receiver.getsockname()[1]
    head = HeadPose(yaw=12.0, pitch=-3.0, roll=2.0, x=1.0, y=0.5, z=-48.0)
    values = np.linspace(0, 1, 52, dtype=np.float32)
    names = tuple(ifm_name(n) for n in ARKIT_NAMES)  # what the ifacialmocap profile outputs
    with ifm_output([("127.0.0.1", port)], version=1) as out:
        out.send(mapped(names, values, head=head))
        data, src = receiver.recvfrom(65535)
        assert src[1] in out.local_ports and src[1] != IFM_DEFAULT[1]
    pkt = parse_ifm_datagram(data)
    assert pkt.version == 1 and pkt.tracking == 1
    assert pkt.blendshapes["eyeBlink_L"] == round(float(values[ARKIT_NAMES.index("eyeBlinkLeft")]) * 100)
    assert pkt.head == pytest.approx((3.0, 12.0, 2.0, 0.01, 0.005, -0.48))


def test_absent_receiver_is_never_an_error():
    port = _closed_port()
    with vmc_output([("127.0.0.1", port)]) as out:
        for i in range(300):
            out.send(mapped(t=i / 30))  # must never raise
            assert out.status().state in ("ok", "waiting")
        st = out.status()
        assert st.last_error is None and st.packets > 0
        if sys.platform.startswith("linux"):  # Linux reports ICMP port unreachable on connected UDP sockets
            assert st.detail["refused"] > 0 and st.state == "waiting"


def test_waiting_clears_once_sends_stop_being_refused(receiver):
    port = receiver.getsockname()[1]
    calls = []

    def encode(frame):
        calls.append(1)
        return [b"x"]

    with UdpOutput("t", [("127.0.0.1", port)], encode) as out:
        out._since_refused = 0  # as if the previous frame was refused
        out.send(mapped())
        assert out.status().state == "waiting"
        for _ in range(60):
            out.send(mapped())
        assert out.status().state == "ok"


def test_encoder_failure_is_recorded_not_raised(receiver):
    def broken(frame):
        raise RuntimeError("boom")

    with UdpOutput("broken", [receiver.getsockname()], broken) as out:
        out.send(mapped())
        st = out.status()
        assert st.state == "error" and "boom" in st.last_error and st.packets == 0


def test_mismatched_names_and_values_do_not_raise(receiver):
    frame = mapped(("a", "b"), [0.1, 0.2])
    bad = type(frame)(face=frame.face, names=("a", "b", "c"), values=frame.values)
    with vmc_output([receiver.getsockname()]) as out:
        out.send(bad)
        assert out.status().state == "error"
        out.send(frame)
        assert out.status().state == "ok"


def test_close_turns_off_and_send_after_close_is_harmless(receiver):
    out = vmc_output([receiver.getsockname()])
    out.close()
    out.send(mapped())
    assert out.status().state == "off" and out.status().packets == 0


# --- oscdump (liblo-tools): an independent C implementation reads our datagrams -----------------------------------


def _require_oscdump() -> str:
    path = shutil.which("oscdump")
    if path is None:
        reason = "oscdump not installed (apt-get install liblo-tools)"
        if os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1":
            pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
        pytest.skip(reason)
    return path


def _oscdump_lines(proc) -> "queue.Queue[str]":
    q: queue.Queue[str] = queue.Queue()

    def pump():
        for line in proc.stdout:
            q.put(line.rstrip("\n"))
    threading.Thread(target=pump, daemon=True).start()
    return q


def test_oscdump_reads_vmc_datagrams():
    oscdump = _require_oscdump()
    port = _closed_port()
    proc = subprocess.Popen([oscdump, "-L", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _oscdump_lines(proc)
        probe = UdpOutput("probe", [("127.0.0.1", port)], lambda f: [b"/probe\x00\x00,\x00\x00\x00"])
        with probe:  # oscdump starts asynchronously: probe until it answers
            for _ in range(200):
                probe.send(mapped())
                try:
                    if "/probe" in lines.get(timeout=0.05):
                        break
                except queue.Empty:
                    assert proc.poll() is None, "oscdump exited"
            else:
                pytest.fail("oscdump printed nothing")
        names = long_names(64)
        values = np.linspace(0, 1, 64, dtype=np.float32)
        frame = mapped(names, values, head=HeadPose(yaw=20.0), t=3.5)
        with vmc_output([("127.0.0.1", port)]) as out:
            out.send(frame)
            assert out.status().packets >= 2
        got = []
        while len(got) < 1 + 4 + 64 + 3:
            line = lines.get(timeout=GUARD_S)
            if "/probe" not in line:
                got.append(line.split(" ", 1)[1])  # drop the timetag column
    finally:
        proc.terminate()
        proc.wait(timeout=GUARD_S)
    fields = [g.split(" ") for g in got]
    assert fields[0][:3] == ["/VMC/Ext/Root/Pos", "sfffffff", '"root"']
    assert [f[:3] for f in fields[1:5]] == [["/VMC/Ext/Bone/Pos", "sfffffff", f'"{b}"']
                                            for b in ("Neck", "Head", "LeftEye", "RightEye")]
    assert fields[5] == ["/VMC/Ext/OK", "iiii", "1", "3", "0", "1"]
    assert fields[6][:2] == ["/VMC/Ext/T", "f"] and float(fields[6][2]) == 0.0  # seconds since the stream began
    blends = fields[7:7 + 64]
    assert all(f[1] == "sf" for f in blends)
    assert [f[2].strip('"') for f in blends] == list(names)
    assert [float(f[3]) for f in blends] == pytest.approx(values.tolist(), abs=1e-6)
    assert fields[-1][0] == "/VMC/Ext/Blend/Apply" and fields[-1][1:] in ([""], [])
