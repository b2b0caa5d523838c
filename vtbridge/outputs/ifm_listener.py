"""The iFacialMocap output: pushes to fixed HOST:PORT targets (each at its own text version) and, in phone mode,
listens for receivers' handshakes and streams to each at the version it asked for.

Only moves bytes: the text comes from ``protocols.ifacialmocap`` and who to stream to from
``protocols.ifm_handshake.Subscribers``. Everything runs inline on the tracking thread from non-blocking sockets:
each ``send`` first drains the handshakes that arrived, then sends the frame (encoded once per version in use).
"""

from __future__ import annotations

import errno
import socket
import time
from typing import Callable, Iterable

from vtbridge.errors import OutputError
from vtbridge.frames import MappedFrame
from vtbridge.outputs.base import OutputStatus
from vtbridge.outputs.udp import UdpOutput, parse_target
from vtbridge.protocols.ifacialmocap import build_ifm_datagram
from vtbridge.protocols.ifm_handshake import PORT, Subscribers

#: The text version a push target gets when it names none: the app's own default (a receiver that asks for
#: nothing, or that we push to without its asking, reads v1).
DEFAULT_VERSION = 1


def parse_ifm_target(text: str, default_version: int = DEFAULT_VERSION) -> tuple[str, int, int]:
    """``HOST:PORT`` or ``HOST:PORT@v2`` (``@v1``, ``@1``, ``@2`` too) -> (host, port, version)."""
    s = str(text).strip()
    version = default_version
    if "@" in s:
        s, _, v = s.rpartition("@")
        v = v.strip().lower().removeprefix("v")
        if v not in ("1", "2"):
            raise OutputError(f"iFacialMocap target {text!r}: the version after @ must be v1 or v2, "
                              "e.g. 192.168.1.20:49983@v2")
        version = int(v)
    host, port = parse_target(s, "iFacialMocap target")
    return host, port, version


def parse_listen(text: str) -> int:
    """``listen`` or ``listen:PORT`` (the ``--ifm`` phone mode) -> the port; OutputError otherwise."""
    s = str(text).strip().lower()
    if s == "listen":
        return PORT
    head, _, port = s.partition(":")
    if head == "listen" and port.isdigit() and 1 <= int(port) <= 65535:
        return int(port)
    raise OutputError(f"--ifm {text!r}: write listen or listen:PORT (port 1-65535), e.g. listen:{PORT}")


class IfmOutput:
    """An Output (see ``outputs.base``) for iFacialMocap; ``listen`` None means no phone mode (0: any free port,
    for tests)."""

    def __init__(self, targets: Iterable[str] = (), *, version: int = DEFAULT_VERSION, listen: int | None = None,
                 listen_host: str = "0.0.0.0", reply_port: int = PORT, name: str = "ifm",
                 clock: Callable[[], float] = time.monotonic, log: Callable[[str], None] | None = None):
        if version not in (1, 2):
            raise OutputError(f"{name}: iFacialMocap version {version!r} is not supported; use 1 or 2")
        self.name = name
        self._clock = clock
        self._log = log or (lambda _line: None)
        groups: dict[int, list[str]] = {}
        for t in targets:
            host, port, v = parse_ifm_target(t, version)
            groups.setdefault(v, []).append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        if not groups and listen is None:
            raise OutputError(f"{name}: no target and no phone mode; add a target such as 127.0.0.1:{PORT} or "
                              f"listen for receivers (--ifm listen, config outputs.ifm.listen {PORT})")
        self._push: list[tuple[int, UdpOutput]] = []
        self._sock: socket.socket | None = None
        self.subscribers = Subscribers(reply_port=reply_port)
        self._status = OutputStatus(name=name, detail={"targets": [], "receivers": [], "listen": listen,
                                                       "dropped": 0})
        try:
            for v, ts in sorted(groups.items()):
                self._push.append((v, UdpOutput(name, ts, self._encoder(v))))
                self._status.detail["targets"] += [f"{t}@v{v}" for t in ts]
            if listen is not None:
                self._sock = self._bind(listen_host, listen)
                self._status.detail["listen"] = self.listen_port
                self._log(f"iFacialMocap: phone mode, waiting for receivers' handshakes on UDP {self.listen_port}")
        except Exception:
            self.close()
            raise

    @staticmethod
    def _encoder(version: int):
        def encode(frame: MappedFrame) -> list[bytes]:
            return [build_ifm_datagram(frame, version)]
        return encode

    def _bind(self, host: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.bind((host, port))
        except OSError as e:
            sock.close()
            why = "it is in use (is an iFacialMocap receiver running on this PC? push to it with --ifm " \
                  "127.0.0.1:49983 instead)" if e.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)) \
                else (e.strerror or str(e))
            raise OutputError(f"{self.name}: cannot listen for iFacialMocap receivers on UDP {port}: {why}") \
                from None
        return sock

    @property
    def local_ports(self) -> list[int]:
        """The ephemeral source ports of the push sockets (diagnostics, tests)."""
        return [p for _v, out in self._push for p in out.local_ports]

    @property
    def listen_port(self) -> int | None:
        return self._sock.getsockname()[1] if self._sock is not None else None

    # -- Output protocol
    def send(self, frame: MappedFrame) -> None:
        st = self._status
        if st.state == "off":
            return
        for _v, out in self._push:
            out.send(frame)
        if self._sock is not None:
            self._accept_handshakes()
            self._stream(frame)
        self._update_state()

    def _accept_handshakes(self) -> None:
        for _ in range(64):  # bounded: a flood cannot hold the tracking thread
            try:
                data, addr = self._sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. an ICMP error from an earlier send surfacing here (Windows): not fatal
                continue
            event = self.subscribers.receive(data, addr, self._clock())
            if event.kind in ("new", "version", "tcp"):
                self._log(event.text)

    def _stream(self, frame: MappedFrame) -> None:
        subs = self.subscribers.all
        if not subs:
            return
        st = self._status
        cache: dict[int, bytes] = {}
        for sub in subs:
            data = cache.get(sub.version)
            if data is None:
                try:
                    data = cache[sub.version] = build_ifm_datagram(frame, sub.version)
                except Exception as e:  # a bad frame must not stop the pipeline
                    st.last_error = f"{self.name}: cannot encode frame: {e}"
                    return
            try:
                self._sock.sendto(data, (sub.host, sub.port))
                st.packets += 1
            except BlockingIOError:
                st.detail["dropped"] += 1
            except OSError as e:
                st.detail["dropped"] += 1
                st.last_error = f"{self.name}: send to {sub.label} failed: {e.strerror or e}"

    def _update_state(self) -> None:
        st = self._status
        states = [out.status().state for _v, out in self._push]
        if self._sock is not None:
            states.append("ok" if self.subscribers.all else "waiting")
        st.state = "error" if "error" in states else "ok" if "ok" in states else "waiting"
        st.detail["receivers"] = [s.label for s in self.subscribers.all]

    def status(self) -> OutputStatus:
        st = self._status
        pushed = [out.status() for _v, out in self._push]
        errors = [p.last_error for p in pushed if p.last_error]
        detail = dict(st.detail)
        detail["refused"] = sum(p.detail.get("refused", 0) for p in pushed)
        return OutputStatus(name=st.name, enabled=st.enabled, state=st.state,
                            packets=st.packets + sum(p.packets for p in pushed),
                            last_error=st.last_error or (errors[-1] if errors else None), detail=detail)

    def close(self) -> None:
        for _v, out in self._push:
            out.close()
        self._push = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if hasattr(self, "_status"):
            self._status.state = "off"

    def __enter__(self) -> "IfmOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
