"""The live dashboard: a local web page that shows the pipeline and steers it, served on 127.0.0.1 only.

Why websockets for plain HTTP too: one dependency we already ship, one asyncio loop on one thread, and the page
needs only a handful of static files plus ``/preview.jpg``, which ``process_request`` answers before any
handshake. The server pushes one JSON snapshot (and the latest preview JPEG as a binary message) to every page
at ~20 Hz; the page sends JSON commands back, which are validated and turned into ``Command``s.

Access: every request carries ``?token=`` (a random secret in the URL the daemon opens); websockets must also come
from the page's own origin and every request must name this server as Host. That keeps other web pages (and
DNS-rebinding tricks) from watching the camera or switching outputs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import errno
import json
import logging
import math
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from vtbridge.daemon.control import Command, Controller, Snapshot
from vtbridge.errors import OutputError

log = logging.getLogger("vtbridge.dashboard")

STATIC = Path(__file__).resolve().parent / "static"
FILES = {"/": ("index.html", "text/html; charset=utf-8"), "/index.html": ("index.html", "text/html; charset=utf-8"),
         "/app.js": ("app.js", "text/javascript; charset=utf-8"), "/style.css": ("style.css", "text/css; charset=utf-8")}
OUTPUT_NAMES = ("vmc", "ifm", "vts", "vcam")
MAX_MESSAGE = 4096


def _clean(value):
    """JSON-safe copy: tuples -> lists, NaN/inf -> None, floats rounded (smaller frames, same picture)."""
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    try:  # numpy scalars and the like
        return _clean(float(value))
    except (TypeError, ValueError):
        return str(value)


def snapshot_json(snapshot: Snapshot) -> str:
    data = _clean(dataclasses.asdict(snapshot))
    data["type"] = "snapshot"
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def parse_command(text: str | bytes) -> Command | None:
    """A page message -> Command, or None for anything malformed or not allowed (ignored, never an error)."""
    try:
        msg = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(msg, dict):
        return None
    kind, arg = msg.get("kind"), msg.get("arg")
    if kind in ("pause", "resume", "calibrate"):
        return Command(kind)
    if kind == "set_output" and isinstance(arg, list) and len(arg) == 2 and arg[0] in OUTPUT_NAMES \
            and isinstance(arg[1], bool):
        return Command("set_output", (arg[0], arg[1]))
    if kind == "toggle_output" and arg in OUTPUT_NAMES:
        return Command("toggle_output", arg)
    if kind in ("set_profile", "set_camera") and isinstance(arg, str) and 0 < len(arg) <= 200:
        return Command(kind, arg)
    if kind == "set_vcam" and isinstance(arg, dict) and 0 < len(arg) <= 12 and all(
            isinstance(k, str) and len(k) <= 20 and (isinstance(v, (bool, int, float)) or
                                                     isinstance(v, str) and len(v) <= 500) for k, v in arg.items()):
        return Command("set_vcam", dict(arg))  # the values are validated by the pipeline (one line if wrong)
    return None


class Dashboard:
    """``url = Dashboard(controller).start()`` ... ``stop()``. ``port=0`` picks a free port."""

    def __init__(self, controller: Controller, port: int = 0, *, rate_hz: float = 20.0, token: str | None = None):
        self.controller = controller
        self.requested_port = port
        self.period = 1.0 / rate_hz
        self.token = token or secrets.token_urlsafe(24)
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._clients: set[ServerConnection] = set()
        self._frame: tuple[str, bytes | None] = ("", None)
        self._tick: asyncio.Event | None = None
        self._failing = False

    @property
    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}/?token={self.token}" if self.port else None

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> str:
        """Bind and serve on a background thread; returns the URL (with token). OutputError if the port is busy."""
        if self._thread is not None:
            return self.url
        started: concurrent.futures.Future = concurrent.futures.Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(started,), name="vtbridge-dashboard", daemon=True)
        self._thread.start()
        try:
            self.port = started.result(timeout=10)
        except BaseException:
            self._thread.join(2)
            self._thread = None
            raise
        log.info("dashboard at http://127.0.0.1:%d/", self.port)
        return self.url

    def stop(self) -> None:
        """Close every connection and the listening socket; returns within about a second."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._stop_event is not None:
            loop.call_soon_threadsafe(self._stop_event.set)
        thread.join(1.0)
        self._thread = None

    def _run(self, started: concurrent.futures.Future) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(started))
        except Exception as exc:  # never leave start() waiting
            if not started.done():
                started.set_exception(exc)
            log.exception("dashboard stopped")
        finally:
            loop.close()

    async def _main(self, started: concurrent.futures.Future) -> None:
        self._stop_event = asyncio.Event()
        self._tick = asyncio.Event()
        try:
            server = await serve(self._handle, "127.0.0.1", self.requested_port, process_request=self._http,
                                 max_size=MAX_MESSAGE, compression=None, close_timeout=0.3, ping_interval=None)
        except OSError as err:
            started.set_exception(self._bind_error(err))
            return
        started.set_result(server.sockets[0].getsockname()[1])
        producer = asyncio.create_task(self._produce())
        await self._stop_event.wait()
        producer.cancel()
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 0.6)
        except asyncio.TimeoutError:
            log.debug("dashboard: connections did not close in time")
        # Whatever is left (a half-open handshake) is cancelled here, not garbage-collected after the loop closes.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _bind_error(self, err: OSError) -> OutputError:
        port = self.requested_port
        if err.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1), errno.EACCES):
            return OutputError(f"dashboard: port {port} on 127.0.0.1 is in use or not allowed; set dashboard.port "
                               f"to another port (vtbridge config set dashboard.port 0 picks a free one)")
        return OutputError(f"dashboard: cannot listen on 127.0.0.1:{port} ({err.strerror or err}); check "
                           f"dashboard.port in config.json")

    # ---- HTTP ------------------------------------------------------------------------------------------------
    def _allowed(self, request) -> tuple[bool, str]:
        parts = urlsplit(request.path)
        token = parse_qs(parts.query).get("token", [""])[0]
        if not secrets.compare_digest(token.encode(), self.token.encode()):
            return False, "missing or wrong token: open the dashboard from the tray menu or the URL vtbridge printed"
        hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        if request.headers.get("Host", "") not in hosts:
            return False, "wrong Host header"
        return True, ""

    def _http(self, connection: ServerConnection, request):
        ok, why = self._allowed(request)
        if not ok:
            return connection.respond(403, f"forbidden: {why}\n")
        path = urlsplit(request.path).path
        if path == "/ws":
            origin = request.headers.get("Origin")
            if origin not in (f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"):
                return connection.respond(403, "forbidden: websocket from another origin\n")
            return None  # go on with the websocket handshake
        if path == "/preview.jpg":
            jpeg = self._safe(self.controller.preview_jpeg)
            if not jpeg:
                return connection.respond(404, "no camera frame yet\n")
            return self._response(200, "image/jpeg", jpeg)
        if path == "/vcam.jpg":  # what the meeting sees (the virtual camera's last picture)
            vcam = getattr(self.controller, "vcam_jpeg", None)
            jpeg = self._safe(vcam) if vcam is not None else None
            if not jpeg:
                return connection.respond(404, "virtual camera off\n")
            return self._response(200, "image/jpeg", jpeg)
        if path == "/snapshot.json":
            return self._response(200, "application/json", snapshot_json(self._snapshot()).encode())
        if path in FILES:
            name, ctype = FILES[path]
            body = (STATIC / name).read_bytes()
            if name == "index.html":
                body = body.replace(b"__TOKEN__", self.token.encode())
            return self._response(200, ctype, body)
        return connection.respond(404, "not found\n")

    def _response(self, status: int, ctype: str, body: bytes) -> Response:
        headers = Headers([
            ("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' "
                                        f"ws://127.0.0.1:{self.port} ws://localhost:{self.port}; "
                                        "frame-ancestors 'none'"),
            ("Connection", "close"),
        ])
        return Response(status, "OK" if status == 200 else "Error", headers, body)

    # ---- websocket -------------------------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        self._clients.add(ws)
        sender = asyncio.create_task(self._send_loop(ws))
        try:
            async for message in ws:
                command = parse_command(message)
                if command is None:
                    log.debug("dashboard: ignored message %.80r", message)
                    continue
                log.info("dashboard: %s %r", command.kind, command.arg)
                self._safe(lambda: self.controller.submit(command))
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(ws)
            sender.cancel()

    async def _send_loop(self, ws: ServerConnection) -> None:
        last_jpeg = None
        try:
            while True:
                tick = self._tick
                await tick.wait()
                text, jpeg = self._frame
                await ws.send(text)
                if jpeg and jpeg != last_jpeg:
                    await ws.send(jpeg)
                    last_jpeg = jpeg
        except ConnectionClosed:
            pass

    async def _produce(self) -> None:
        """One snapshot + one preview per period for all pages (the JPEG is encoded once, not per page)."""
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        while True:
            if self._clients:
                self._frame = (snapshot_json(self._snapshot()), self._safe(self.controller.preview_jpeg))
                tick, self._tick = self._tick, asyncio.Event()
                tick.set()
            next_t = max(next_t + self.period, loop.time())
            await asyncio.sleep(next_t - loop.time())

    def _snapshot(self) -> Snapshot:
        snap = self._safe(self.controller.snapshot)
        return snap if snap is not None else Snapshot(state="error", message="internal error: no snapshot")

    def _safe(self, fn):
        """Call the controller; a failure is logged once per streak (not 20 times a second) and gives None."""
        try:
            result = fn()
        except Exception:
            if not self._failing:
                log.exception("dashboard: controller call failed")
            self._failing = True
            return None
        self._failing = False
        return result
