"""Dashboard server without a browser: token, Host and Origin checks, static files, preview, the snapshot push,
command validation, a busy port, and a prompt stop()."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from vtbridge.daemon.control import Command, Snapshot
from vtbridge.daemon.dashboard.server import Dashboard, parse_command, snapshot_json
from vtbridge.errors import OutputError

from tests.daemon.fake import FakeController


@pytest.fixture
def dash():
    fake = FakeController()
    d = Dashboard(fake)
    url = d.start()
    yield d, fake, url
    d.stop()


def get(url: str, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def ws_url(d: Dashboard, token: str | None = None) -> str:
    return f"ws://127.0.0.1:{d.port}/ws?token={d.token if token is None else token}"


def origin(d: Dashboard) -> str:
    return f"http://127.0.0.1:{d.port}"


def test_url_binds_loopback_with_a_long_token(dash):
    d, _, url = dash
    assert url == f"http://127.0.0.1:{d.port}/?token={d.token}" and len(d.token) >= 32
    assert d.port > 0
    with socket.create_connection(("127.0.0.1", d.port), timeout=2):
        pass
    assert Dashboard(FakeController()).token != d.token


def test_static_files_need_the_token(dash):
    d, _, url = dash
    status, headers, body = get(url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"app.js?token={d.token}".encode() in body and b"__TOKEN__" not in body
    assert b"http://" not in body and b"https://" not in body  # no external URLs
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    base = f"http://127.0.0.1:{d.port}"
    for path in ("/", "/app.js", "/style.css", "/preview.jpg", "/snapshot.json", "/nope"):
        assert get(base + path)[0] == 403, path
        assert get(base + path + "?token=wrong")[0] == 403, path
    assert get(f"{base}/app.js?token={d.token}")[0] == 200
    assert get(f"{base}/style.css?token={d.token}")[0] == 200
    assert get(f"{base}/nope?token={d.token}")[0] == 404


def test_foreign_host_header_is_refused(dash):
    d, _, url = dash
    assert get(url, {"Host": f"evil.example:{d.port}"})[0] == 403  # DNS rebinding
    assert get(url.replace("127.0.0.1", "localhost"))[0] == 200


def test_preview_and_snapshot_over_http(dash):
    d, fake, _ = dash
    status, headers, body = get(f"http://127.0.0.1:{d.port}/preview.jpg?token={d.token}")
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"
    status, _, body = get(f"http://127.0.0.1:{d.port}/snapshot.json?token={d.token}")
    data = json.loads(body)
    assert status == 200 and data["state"] == "tracking" and data["profiles"] == ["vseeface", "vrm1", "arkit"]


def test_websocket_needs_token_and_same_origin(dash):
    d, _, _ = dash
    for url, org in [(ws_url(d, ""), origin(d)), (ws_url(d, "bad"), origin(d)),
                     (ws_url(d), "http://evil.example"), (ws_url(d), f"http://127.0.0.1:{d.port + 1}"),
                     (ws_url(d), None)]:
        with pytest.raises(InvalidStatus) as err:
            connect(url, origin=org, open_timeout=3).close()
        assert err.value.response.status_code == 403, (url, org)
    with connect(ws_url(d), origin=f"http://localhost:{d.port}", open_timeout=3) as ws:
        assert json.loads(ws.recv(timeout=3))["type"] == "snapshot"


def test_pushes_changing_snapshots_and_preview_frames(dash):
    d, _, _ = dash
    texts, frames = [], []
    with connect(ws_url(d), origin=origin(d), open_timeout=3) as ws:
        while len(texts) < 10:
            msg = ws.recv(timeout=3)
            (texts if isinstance(msg, str) else frames).append(msg)
    snaps = [json.loads(t) for t in texts]
    assert len({s["t"] for s in snaps}) > 5  # values move
    assert len({s["blendshapes"]["jawOpen"] for s in snaps}) > 5
    assert snaps[0]["outputs"][0]["name"] == "vmc" and "packets_per_s" in snaps[0]["outputs"][0]
    assert frames and all(f[:2] == b"\xff\xd8" for f in frames)


def test_commands_are_validated_then_submitted(dash):
    d, fake, _ = dash
    with connect(ws_url(d), origin=origin(d), open_timeout=3) as ws:
        for msg in ("not json", "[1]", '{"kind": "format_disk"}', '{"kind": "quit"}',
                    '{"kind": "set_output", "arg": ["vmc", "yes"]}', '{"kind": "set_output", "arg": ["ftp", true]}',
                    '{"kind": "set_profile", "arg": 5}',
                    '{"kind": "pause"}', '{"kind": "set_output", "arg": ["ifm", true]}',
                    '{"kind": "set_profile", "arg": "vrm1"}', '{"kind": "calibrate"}'):
            ws.send(msg)
        assert fake.wait_for(lambda c: c.kind == "calibrate")
        ws.recv(timeout=3)  # still connected after the junk
    assert fake.commands == [Command("pause"), Command("set_output", ("ifm", True)), Command("set_profile", "vrm1"),
                             Command("calibrate")]


def test_parse_command_table():
    assert parse_command('{"kind":"resume"}') == Command("resume")
    assert parse_command('{"kind":"toggle_output","arg":"vts"}') == Command("toggle_output", "vts")
    assert parse_command('{"kind":"set_camera","arg":"1"}') == Command("set_camera", "1")
    assert parse_command('{"kind":"set_camera","arg":""}') is None
    assert parse_command(b"\xff") is None and parse_command("null") is None


def test_snapshot_json_is_strict_json():
    text = snapshot_json(Snapshot(state="tracking", fps=float("nan"), head={"yaw": float("inf")},
                                  landmarks=((0.123456789, 0.5),)))
    data = json.loads(text)  # NaN would not parse in a browser's JSON.parse
    assert data["fps"] is None and data["head"]["yaw"] is None and data["landmarks"] == [[0.1235, 0.5]]
    assert "NaN" not in text and "Infinity" not in text


def test_busy_port_names_the_port_and_key():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(OutputError, match=rf"dashboard: port {port} on 127.0.0.1 is in use.*dashboard.port"):
            Dashboard(FakeController(), port=port).start()


def test_fixed_port_and_stop_within_a_second():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = Dashboard(FakeController(), port=port)
    assert d.start().startswith(f"http://127.0.0.1:{port}/?token=")
    with connect(ws_url(d), origin=origin(d), open_timeout=3) as ws:
        ws.recv(timeout=3)
        t0 = time.monotonic()
        d.stop()  # with a page still connected
        assert time.monotonic() - t0 < 1.0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    d.stop()  # idempotent


def test_a_failing_controller_does_not_kill_the_server():
    class Broken(FakeController):
        def snapshot(self):
            raise RuntimeError("boom")

        def preview_jpeg(self):
            raise RuntimeError("boom")

    d = Dashboard(Broken())
    d.start()
    try:
        with connect(ws_url(d), origin=origin(d), open_timeout=3) as ws:
            data = json.loads(ws.recv(timeout=3))
        assert data["state"] == "error" and "internal error" in data["message"]
        assert get(f"http://127.0.0.1:{d.port}/preview.jpg?token={d.token}")[0] == 404
    finally:
        d.stop()
