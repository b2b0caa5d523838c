"""VtsOutput end to end against the emulator: authentication, streaming, reconnection and robustness."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time

import pytest

from vtbridge import paths
from vtbridge.outputs.base import Output
from vtbridge.outputs.vts_client import discover_port

from .conftest import frame, wait_until

FACE = {"FaceAngleX": 5.0, "MouthOpen": 0.4, "EyeOpenLeft": 1.0}


@contextlib.contextmanager
def feeding(out, values=FACE, interval=0.01, found=True):
    """Send frames from a 'tracking thread' until the block ends."""
    stop = threading.Event()

    def run():
        while not stop.is_set():
            out.send(frame(values, found))
            time.sleep(interval)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(2)


def streaming(out, emu, timeout=3.0):
    """Feed until the emulator has seen an injection from ``out``."""
    with feeding(out):
        assert wait_until(lambda: emu.injections_snapshot(), timeout), out.notices()


def token_file():
    return paths.user_config_dir() / "vts_token.json"


def test_first_time_approval_stores_token_privately(emulator_factory, output_factory):
    emu = emulator_factory(approve_delay=0.2)
    out = output_factory(emu.url, plugin_developer="vtbridge tests")
    assert isinstance(out, Output) and out.name == "vts"
    assert wait_until(lambda: out.status().detail["auth"] == "awaiting approval")
    assert out.status().state == "waiting"
    streaming(out, emu)
    assert emu.count("AuthenticationTokenRequest") == 1 and len(emu.icons) == 1
    stored = json.loads(token_file().read_text())
    assert emu.tokens[stored["token"]] == ("vtbridge", "vtbridge tests")
    if os.name == "posix":
        assert token_file().stat().st_mode & 0o777 == 0o600
    status = out.status()
    assert (status.state, status.detail["state"], status.detail["auth"]) == ("ok", "streaming", "authenticated")
    assert status.packets >= 1 and status.last_error is None


def test_stored_token_reconnects_silently(emulator, output_factory):
    first = output_factory(emulator.url)
    streaming(first, emulator)
    first.close()
    assert first.status().state == "off"
    second = output_factory(emulator.url)
    streaming(second, emulator)
    assert emulator.count("AuthenticationTokenRequest") == 1
    assert emulator.count("AuthenticationRequest") == 2


def test_denial_asks_once_and_says_what_to_do(emulator_factory, output_factory):
    emu = emulator_factory(deny=True)
    out = output_factory(emu.url)
    with feeding(out):
        assert wait_until(lambda: out.status().detail["state"] == "denied")
        time.sleep(0.5)
    status = out.status()
    assert status.state == "error" and status.detail["auth"] == "denied"
    assert "denied" in status.last_error and "Allow" in status.last_error and "\n" not in status.last_error
    assert emu.count("AuthenticationTokenRequest") == 1 and emu.injections == []
    assert not token_file().exists()


def test_revocation_mid_stream_asks_once_then_streams_again(emulator, output_factory):
    out = output_factory(emulator.url)
    with feeding(out):
        assert wait_until(lambda: emulator.injections_snapshot())
        old = json.loads(token_file().read_text())["token"]
        emulator.revoke()
        revoked_at = time.monotonic()
        assert wait_until(lambda: any(i.t > revoked_at for i in emulator.injections_snapshot()))
        time.sleep(0.3)
    assert emulator.count("AuthenticationTokenRequest") == 2
    assert json.loads(token_file().read_text())["token"] not in (old, None)
    assert any("revoked" in n for n in out.notices())


def test_vts_restart_resumes_within_two_seconds(emulator, output_factory):
    out = output_factory(emulator.url)
    with feeding(out):
        assert wait_until(lambda: emulator.injections_snapshot())
        emulator.restart(downtime=0.3)
        back = time.monotonic()
        assert wait_until(lambda: any(i.t > back for i in emulator.injections_snapshot()), timeout=4)
    resumed = min(i.t for i in emulator.injections_snapshot() if i.t > back)
    assert resumed - back < 2.0
    assert emulator.count("AuthenticationTokenRequest") == 1  # the stored token is reused after a restart
    assert out.status().state == "ok"


def test_api_access_off_tells_the_user(emulator_factory, output_factory):
    emu = emulator_factory(api_enabled=False)
    out = output_factory(emu.url)
    assert wait_until(lambda: out.status().last_error is not None)
    status = out.status()
    assert status.state == "error" and "Allow Plugin API access" in status.last_error
    assert emu.injections == [] and len(out.notices()) == 1


def test_unreachable_vts_is_one_clear_line(output_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = output_factory(f"ws://127.0.0.1:{port}")
    assert wait_until(lambda: out.status().last_error is not None)
    time.sleep(0.4)  # several retries, one message
    assert out.status().state == "connecting" and len(out.notices()) == 1
    assert "Cannot reach VTube Studio" in out.notices()[0] and "Allow Plugin API access" in out.notices()[0]


def test_custom_parameters_are_created_and_bad_names_reported(emulator, output_factory):
    out = output_factory(emulator.url, custom_ranges={"VtbCheekSquint": (0.0, 2.0, 0.0)})
    values = {"FaceAngleX": 1.0, "VtbCheekSquint": 1.5, "bad-name": 0.3}
    with feeding(out, values):
        assert wait_until(lambda: any("VtbCheekSquint" in i.values for i in emulator.injections_snapshot()))
    created = emulator.custom["VtbCheekSquint"]
    assert (created["addedBy"], created["min"], created["max"]) == ("vtbridge", 0.0, 2.0)
    assert all("bad-name" not in i.values for i in emulator.injections_snapshot())
    bad = [n for n in out.notices() if "bad-name" in n]
    assert len(bad) == 1 and "4-32 letters or digits" in bad[0]


def test_rate_cap_and_keepalive(emulator, output_factory):
    out = output_factory(emulator.url, rate=60.0)
    streaming(out, emulator)
    start = time.monotonic()
    for _ in range(300):  # a burst far above the cap
        out.send(frame(FACE))
        time.sleep(0.003)
    out.send(frame(FACE, found=False))  # the face is lost, then no frames at all
    lost = time.monotonic()
    time.sleep(2.6)
    times = [i.t for i in emulator.injections_snapshot() if i.t >= start]
    for t0 in times:
        assert sum(1 for t in times if t0 <= t < t0 + 1.0) <= 65
    quiet = [i for i in emulator.injections_snapshot() if i.t > lost + 0.05]
    gaps = [b - a for a, b in zip([lost] + [i.t for i in quiet], [i.t for i in quiet] + [time.monotonic()])]
    assert len(quiet) >= 3 and max(gaps) < 1.0
    assert all(not i.face_found for i in quiet) and all(i.values.keys() == FACE.keys() for i in quiet)


def test_values_clamped_to_vts_ranges(emulator, output_factory):
    out = output_factory(emulator.url)
    with feeding(out, {"FaceAngleX": 95.0, "MouthOpen": -3.0, "FaceAngleZ": -200.0}):
        assert wait_until(lambda: emulator.injections_snapshot())
    assert emulator.injections_snapshot()[0].values == {"FaceAngleX": 30.0, "MouthOpen": 0.0, "FaceAngleZ": -90.0}


def test_parameter_owned_by_another_plugin_is_reported_once(emulator_factory, output_factory):
    emu = emulator_factory(other_plugin_params=("MouthSmile",))
    out = output_factory(emu.url)
    with feeding(out, {"FaceAngleX": 1.0, "MouthSmile": 0.5}):
        assert wait_until(lambda: any(i.values == {"FaceAngleX": 1.0} for i in emu.injections_snapshot()))
        time.sleep(0.2)
    assert len([n for n in out.notices() if "MouthSmile" in n and "another plugin" in n]) == 1
    assert sum(1 for _, kind, err in emu.errors if err == 454) == 1


def test_garbage_from_vts_does_not_break_streaming(emulator_factory, output_factory):
    emu = emulator_factory(garbage=True)
    out = output_factory(emu.url)
    with feeding(out):
        assert wait_until(lambda: len(emu.injections_snapshot()) >= 10)
    assert out.status().state == "ok" and out._thread.is_alive()


def test_send_never_blocks_and_close_is_prompt_with_vts_stalled(emulator, output_factory):
    out = output_factory(emulator.url)
    streaming(out, emulator)
    emulator.stalled = True
    done = threading.Event()

    def tracking_thread():
        for i in range(3000):
            out.send(frame({"FaceAngleX": float(i % 30)}))
        done.set()

    threading.Thread(target=tracking_thread, daemon=True).start()
    assert done.wait(5.0), "send() blocked while VTS was stalled"
    start = time.monotonic()
    out.close()
    assert not out._thread.is_alive() and time.monotonic() - start < 1.5
    out.send(frame(FACE))  # harmless after close


def test_discovery_listener_reads_the_broadcast():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = []
    listener = threading.Thread(target=lambda: result.append(discover_port(2.0, listen_port=port)))
    listener.start()
    msg = {"apiName": "VTubeStudioPublicAPI", "apiVersion": "1.0", "timestamp": 0,
           "messageType": "VTubeStudioAPIStateBroadcast", "requestID": "VTubeStudioAPIStateBroadcast",
           "data": {"active": True, "port": 8123, "instanceID": "i", "windowTitle": "VTube Studio"}}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        while listener.is_alive():
            tx.sendto(b"noise", ("127.0.0.1", port))
            tx.sendto(json.dumps(msg).encode(), ("127.0.0.1", port))
            time.sleep(0.05)
    assert result == [8123]
    assert discover_port(0.2, listen_port=port) is None


def test_bad_options_are_one_line_errors():
    from vtbridge.errors import OutputError
    from vtbridge.outputs.vts_client import VtsOutput

    for kwargs in ({"url": "http://localhost:8001"}, {"mode": "blend"}, {"rate": 0}):
        with pytest.raises(OutputError) as info:
            VtsOutput(**kwargs)
        assert "\n" not in str(info.value)


def test_auto_url_uses_the_discovered_port(emulator, output_factory, monkeypatch):
    from vtbridge.outputs import vts_client

    answers = iter([None, emulator.port])  # the first broadcast slice hears nothing
    monkeypatch.setattr(vts_client, "discover_port", lambda timeout: next(answers, emulator.port))
    out = output_factory("auto")
    streaming(out, emulator)
    assert out.url == emulator.url.replace("127.0.0.1", "localhost")
