"""VTube Studio output: a thin asyncio + websockets driver around the sans-I/O ``protocols.vts.Session``.

The client runs its own event loop in a daemon thread. ``send`` (tracking thread) drops the frame into a latest-wins
slot and returns at once; the loop injects at most ``rate`` frames a second, keeps control alive twice a second,
reconnects with a short backoff when VTS closes or restarts, and keeps the plugin token in the user config dir.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import inspect
import logging
import socket
import threading
import time
from pathlib import Path

from vtbridge import paths
from vtbridge.errors import OutputError
from vtbridge.frames import MappedFrame
from vtbridge.fsutil import write_json_atomic
from vtbridge.jsonread import loads as strict_json
from vtbridge.outputs.base import OutputStatus
from vtbridge.outputs.vts_icon import icon_base64
from vtbridge.protocols import vts

try:  # websockets >= 13
    from websockets.asyncio.client import connect as _ws_connect
except ImportError:  # pragma: no cover - websockets 12
    from websockets.client import connect as _ws_connect
from websockets.exceptions import WebSocketException

log = logging.getLogger("vtbridge.vts")
_CONNECT_OPTIONS = {"open_timeout": 2.0, "close_timeout": 0.3, "ping_interval": 5.0, "ping_timeout": 5.0,
                    "max_size": 2 ** 22}
if "proxy" in inspect.signature(_ws_connect).parameters:  # websockets >= 15 would honour $HTTP(S)_PROXY
    _CONNECT_OPTIONS["proxy"] = None

TOKEN_FILE = "vts_token.json"
BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 1.5)  # VTS restarts resume within ~2 s; localhost retries are cheap
API_OFF_RETRY_S = 5.0
_STATUS = {vts.State.STREAMING: "ok", vts.State.AWAITING_TOKEN: "waiting", vts.State.DENIED: "error",
           vts.State.ERROR: "error"}


class TokenStore:
    """The plugin token as JSON, readable by the user only (0600), replaced atomically."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else paths.user_config_dir() / TOKEN_FILE

    def load(self, plugin_name: str, developer: str) -> str | None:
        try:
            data = strict_json(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or (data.get("pluginName"), data.get("pluginDeveloper")) != (
                plugin_name, developer):
            return None  # a token is bound to the name and developer it was issued for
        token = data.get("token")
        return token if isinstance(token, str) and token else None

    def save(self, token: str | None, plugin_name: str, developer: str) -> None:
        if token is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        # atomic, and 0600 before it becomes visible: only the user can read the token
        write_json_atomic(self.path, {"token": token, "pluginName": plugin_name, "pluginDeveloper": developer},
                          mode=0o600)


def discover_port(timeout: float = 2.5, *, listen_port: int = vts.DISCOVERY_PORT) -> int | None:
    """The API port of a VTube Studio on this network, from its UDP state broadcast; None after ``timeout``.
    An instance with the API on is preferred; the first broadcast seen decides otherwise."""
    deadline = time.monotonic() + timeout
    found: vts.Discovery | None = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind(("", listen_port))
        except OSError as exc:
            raise OutputError(f"Cannot listen for VTube Studio's broadcast on UDP {listen_port} ({exc.strerror}); "
                              "give the address instead, e.g. --vts ws://localhost:8001") from exc
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                datagram, _ = sock.recvfrom(65536)
            except (socket.timeout, OSError):
                break
            info = vts.parse_discovery(datagram)
            if info and info.active:
                return info.port
            found = found or info
    return found.port if found else None


class VtsOutput:
    """Drives a VTube Studio model through the public API as plugin "vtbridge" (see ``docs/vtube-studio.md``)."""

    name = "vts"

    def __init__(self, url: str = f"ws://localhost:{vts.DEFAULT_PORT}", *, rate: float = 60.0, mode: str = "set",
                 token_path: str | Path | None = None, plugin_developer: str = "vtbridge project",
                 custom_ranges: dict[str, tuple[float, float, float]] | None = None,
                 neutral: dict[str, float] | None = None):
        try:
            url = vts.api_url(url)
            self._tokens = TokenStore(token_path)
            token = self._tokens.load(vts.PLUGIN_NAME, plugin_developer)
            self.session = vts.Session(developer=plugin_developer, token=token, icon=icon_base64, mode=mode,
                                       rate=rate, custom_ranges=custom_ranges, neutral=neutral)
        except ValueError as exc:
            raise OutputError(f"VTube Studio output: {exc}") from exc
        self.url = url
        self._notices: collections.deque[str] = collections.deque(maxlen=100)
        self._slot_lock = threading.Lock()
        self._slot: MappedFrame | None = None
        self._signalled = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vts-output", daemon=True)
        self._thread.start()
        self._ready.wait(2.0)

    # -- Output protocol (any thread)
    def send(self, frame: MappedFrame) -> None:
        """Hand the newest frame to the client thread; never blocks."""
        with self._slot_lock:
            self._slot = frame
            if self._signalled or self._closed or self._loop is None:
                return
            self._signalled = True
        self._call(self._wake.set)

    def status(self) -> OutputStatus:
        s = self.session
        state = "off" if self._closed else _STATUS.get(s.state, "connecting")
        return OutputStatus(self.name, enabled=not self._closed, state=state, packets=s.injections,
                            last_error=s.last_error,
                            detail={"state": s.state.value, "auth": s.auth, "last_error": s.last_error,
                                    "url": self.url, "mode": s.mode, "parameters": s.controlled})

    def close(self) -> None:
        """Stop the client and drop the connection; returns within about a second."""
        with self._slot_lock:
            self._closed = True
        if self._stop is not None:
            self._call(self._stop.set)
        self._thread.join(1.0)

    def notices(self) -> list[str]:
        """Every message reported so far (each also logged once), oldest first."""
        return list(self._notices)

    # -- client thread
    def _call(self, fn) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(fn)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._wake, self._stop = asyncio.Event(), asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        attempt = 0
        await self._discover()
        while not self._stop.is_set() and not self._closed:
            streamed = await self._connect_once()
            if self.session.terminal:
                break
            attempt = 0 if streamed else attempt + 1
            delay = API_OFF_RETRY_S if self.session.api_off else BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _discover(self) -> None:
        """``url="auto"``: listen for VTS's UDP broadcast (in short slices, so close() stays prompt)."""
        s = self.session
        fallback = f"ws://localhost:{vts.DEFAULT_PORT}"
        while self.url == "auto" and not self._stop.is_set():
            try:
                port = await asyncio.to_thread(discover_port, 0.5)
            except OutputError as exc:
                self._report(s.note(f"{exc}; trying {fallback}", key="discovery"))
                self.url = fallback
                return
            if port is not None:
                self.url = f"ws://localhost:{port}"
                self._report(s.note(f"VTS: found VTube Studio on port {port}", error=False))
                return
            self._report(s.note("VTS: waiting for VTube Studio's broadcast on UDP 47779 (start VTS, or give the "
                                "port with --vts ws://localhost:PORT)", key="discovery", error=False))

    async def _connect_once(self) -> bool:
        """One connection's life; True if it reached streaming."""
        s = self.session
        s.connecting()
        opened = False
        try:
            async with _ws_connect(self.url, **_CONNECT_OPTIONS) as ws:
                opened = True
                s.forget("closed")
                tasks = [asyncio.create_task(self._reader(ws)), asyncio.create_task(self._writer(ws))]
                stop = asyncio.create_task(self._stop.wait())
                try:
                    await self._apply(ws, s.connected(time.monotonic()))
                    done, _ = await asyncio.wait([*tasks, stop], return_when=asyncio.FIRST_COMPLETED)
                    for task in done - {stop}:
                        task.result()  # re-raise what ended the connection
                finally:
                    for task in (*tasks, stop):
                        task.cancel()
                    await asyncio.gather(*tasks, stop, return_exceptions=True)
        except _Dropped:
            pass  # the session already said why
        except (OSError, WebSocketException, asyncio.TimeoutError) as exc:
            if not opened:
                self._report(s.note(f"Cannot reach VTube Studio at {self.url} ({_why(exc)}): start VTS, turn on "
                                    "\"Allow Plugin API access\" in its settings and check the port",
                                    key="unreachable"))
            else:
                self._report(s.note(f"VTS: connection lost ({_why(exc)}); reconnecting", key="closed", error=False))
        except Exception as exc:  # a bug must not kill the output: report it and reconnect
            log.exception("VTS client failure")
            self._report(s.note(f"VTS output failed ({type(exc).__name__}: {_why(exc)}); reconnecting, please "
                                "report this", key="bug"))
        finally:
            streamed = s.state is vts.State.STREAMING
            s.disconnected()
        return streamed

    async def _reader(self, ws) -> None:
        async for text in ws:
            await self._apply(ws, self.session.receive(text, time.monotonic()))
        self._report(self.session.note("VTS: VTube Studio closed the connection; reconnecting", key="closed",
                                       error=False))

    async def _writer(self, ws) -> None:
        s = self.session
        while True:
            with self._slot_lock:
                frame, self._slot, self._signalled = self._slot, None, False
                self._wake.clear()
            now = time.monotonic()
            if frame is not None:
                s.offer(frame.names, frame.values, frame.face.found, now)
            await self._apply(ws, s.poll(now))
            wake_at = s.next_wakeup()
            timeout = None if wake_at is None else max(0.0, wake_at - time.monotonic())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _apply(self, ws, effects: list) -> None:
        for effect in effects:
            if isinstance(effect, vts.Send):
                await ws.send(effect.text())
            elif isinstance(effect, vts.SaveToken):
                try:
                    self._tokens.save(effect.token, self.session.plugin_name, self.session.developer)
                except OSError as exc:
                    self._report(self.session.note(f"VTS: cannot save the token in {self._tokens.path} "
                                                   f"({exc.strerror}); VTS will ask again next time"))
            elif isinstance(effect, vts.Notice):
                self._report([effect])
            elif isinstance(effect, vts.Drop):
                raise _Dropped(effect.reason)

    def _report(self, notices: list) -> None:
        for notice in notices:
            self._notices.append(notice.text)
            (log.warning if notice.error else log.info)("%s", notice.text)


class _Dropped(Exception):
    """The session asked to close the connection."""


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0][:120]
