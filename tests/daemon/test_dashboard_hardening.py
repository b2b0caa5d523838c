"""The dashboard under hostile or just busy clients: deep JSON, duplicate Host headers, paths as profile names,
absolute-form request targets, too many sockets, and a quick stop however many pages and half-open requests remain.
Everything goes through real sockets and the real websocket client."""

from __future__ import annotations

import contextlib
import json
import socket
import time

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from tests.daemon.fake import FakeController
from vtbridge.daemon.control import Command
from vtbridge.daemon.dashboard.server import MAX_CONNECTIONS, Dashboard, parse_command


@pytest.fixture
def dash():
    fake = FakeController()
    d = Dashboard(fake)
    d.start()
    yield d, fake
    d.stop()


def raw_request(d: Dashboard, text: str) -> bytes:
    """Send ``text`` as-is (headers a normal client would never send) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
        s.sendall(text.encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def ws(d: Dashboard):
    return connect(f"ws://127.0.0.1:{d.port}/ws?token={d.token}", origin=f"http://127.0.0.1:{d.port}",
                   open_timeout=5)


def test_deeply_nested_messages_are_ignored_and_the_page_stays_connected(dash, caplog):
    d, fake = dash
    assert parse_command("[" * 4000) is None
    assert parse_command('{"kind": "pause", "arg": ' + "[" * 3000 + "]" * 3000 + "}") is None
    with ws(d) as page:
        page.send("[" * 4000)  # authenticated, under the 4 KiB message limit
        page.send('{"kind": "pause"}')
        assert fake.wait_for(lambda c: c.kind == "pause")
        assert isinstance(page.recv(timeout=3), (str, bytes))  # still connected: no 1011 internal error
    assert "RecursionError" not in caplog.text and "Traceback" not in caplog.text


def test_set_profile_takes_names_only(dash):
    d, fake = dash
    for bad in ("../../../../etc/passwd", "/etc/passwd", "C:\\Users\\x\\p.json", "mine.json", "..", "a/b", ""):
        assert parse_command(json.dumps({"kind": "set_profile", "arg": bad})) is None, bad
    with ws(d) as page:
        page.send(json.dumps({"kind": "set_profile", "arg": "../../../../etc/passwd"}))
        page.send(json.dumps({"kind": "set_profile", "arg": "my-profile_2"}))
        assert fake.wait_for(lambda c: c.kind == "set_profile")
    assert [c for c in fake.commands if c.kind == "set_profile"] == [Command("set_profile", "my-profile_2")]


def test_set_camera_takes_cameras_only():
    for good in ("0", "12", "camera:OBS Virtual Camera", "camera:2", "camera:A/V in"):
        assert parse_command(json.dumps({"kind": "set_camera", "arg": good})) == Command("set_camera", good)
    for bad in ("/home/me/secret.mp4", "../clip.mp4", "C:\\x.avi", "clip.mp4", "1234", ""):
        assert parse_command(json.dumps({"kind": "set_camera", "arg": bad})) is None, bad


def test_two_host_headers_are_refused_not_an_internal_error(dash, caplog):
    d, _ = dash
    host = f"127.0.0.1:{d.port}"
    answer = raw_request(d, f"GET /?token={d.token} HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\n")
    assert status_of(answer) == 403 and b"Host" in answer
    answer = raw_request(d, f"GET /?token={d.token} HTTP/1.1\r\nHost: {host}\r\nHost: {host}\r\n\r\n")
    assert status_of(answer) == 403
    assert "Traceback" not in caplog.text and "MultipleValuesError" not in caplog.text
    assert status_of(raw_request(d, f"GET /?token={d.token} HTTP/1.1\r\nHost: {host}\r\n\r\n")) == 200


def test_an_absolute_form_target_must_name_this_server(dash):
    d, _ = dash
    host = f"127.0.0.1:{d.port}"
    for target, expected in ((f"http://evil.example:{d.port}/?token={d.token}", 403),
                             (f"http://evil.example/snapshot.json?token={d.token}", 403),
                             (f"https://{host}/?token={d.token}", 403),
                             (f"http://{host}/snapshot.json?token={d.token}", 200),
                             (f"http://localhost:{d.port}/?token={d.token}", 200)):
        answer = raw_request(d, f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n")
        assert status_of(answer) == expected, (target, answer[:80])


def half_open(d: Dashboard) -> socket.socket:
    """A slowloris-style client: the request line and one header, then silence."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    s.sendall(f"GET /?token={d.token} HTTP/1.1\r\nHost: 127.0.0.1:{d.port}\r\n".encode())
    return s


def refused(s: socket.socket) -> bool:
    s.settimeout(2)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_connections_are_capped_and_the_page_works_again_once_they_go(dash):
    d, _ = dash
    held = [half_open(d) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)
        extra = half_open(d)
        assert refused(extra)  # dropped at accept
        extra.close()
        assert not refused(held[-1])  # the ones within the cap are still being served (waiting for the rest)
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 5
    while True:  # the server notices the closed sockets
        try:
            with ws(d) as page:
                assert json.loads(page.recv(timeout=3))["type"] == "snapshot"
            break
        except (OSError, EOFError, WebSocketException):  # still at the cap for a moment
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_stop_is_quick_with_many_pages_and_half_open_requests():
    d = Dashboard(FakeController())
    d.start()
    with contextlib.ExitStack() as stack:
        pages = [stack.enter_context(ws(d)) for _ in range(10)]
        for page in pages:
            page.recv(timeout=3)
        stalled = [stack.enter_context(half_open(d)) for _ in range(MAX_CONNECTIONS - 12)]
        time.sleep(0.2)
        t0 = time.monotonic()
        d.stop()
        took = time.monotonic() - t0
        assert took < 1.0, f"stop took {took:.2f} s"  # Quit and SIGTERM promise under a second
        assert all(refused(s) for s in stalled)
