"""UDP senders: move the datagrams that a pure encoder builds (VMC, iFacialMocap) to one or more targets.

Sends inline on the tracking thread from non-blocking sockets bound to ephemeral ports (never the receiver's port,
so a receiver on the same machine can bind it). A missing receiver is normal: the ICMP "port unreachable" that
comes back surfaces as ConnectionRefusedError (Linux) or ConnectionResetError/WSAECONNRESET (Windows) on a later
send of the connected socket; it puts the status in "waiting", never "error". A full send buffer drops the
datagram.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Callable, Iterable, Sequence

from vtbridge.errors import OutputError
from vtbridge.frames import MappedFrame
from vtbridge.outputs.base import OutputStatus
from vtbridge.protocols.vmc import VmcEncoder, VmcOptions

VMC_DEFAULT = ("127.0.0.1", 39539)
IFM_DEFAULT = ("127.0.0.1", 49983)
#: A refusal within this many frames keeps the state "waiting".
WAITING_FRAMES = 60

Target = tuple[str, int]
Encoder = Callable[[MappedFrame], list[bytes]]


def parse_target(text: str, what: str = "UDP target") -> Target:
    """``"host:port"`` (``"[::1]:port"`` for IPv6) -> ``(host, port)``; OutputError naming the bad input."""
    hint = f"expected HOST:PORT such as 127.0.0.1:{VMC_DEFAULT[1]} (port 1-65535)"
    s = str(text).strip()
    if s.startswith("["):
        host, sep, port = s[1:].partition("]:")
    else:
        host, sep, port = s.rpartition(":")
        if ":" in host:  # bare IPv6 without brackets is ambiguous
            raise OutputError(f"{what} {text!r}: write IPv6 addresses in brackets, e.g. [::1]:{VMC_DEFAULT[1]}")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise OutputError(f"{what} {text!r} is not valid: {hint}")
    return host, int(port)


def _as_target(t: str | Sequence, what: str) -> Target:
    if isinstance(t, str):
        return parse_target(t, what)
    try:
        host, port = t
        port = int(port)
    except (TypeError, ValueError):
        raise OutputError(f"{what} {t!r} is not valid: expected (host, port) or 'HOST:PORT'") from None
    if not host or not 1 <= port <= 65535:
        raise OutputError(f"{what} {t!r} is not valid: expected a host and a port 1-65535")
    return str(host), port


def _resolve(host: str, port: int, what: str) -> tuple[int, tuple]:
    """(address family, sockaddr) for a target, resolved once at setup (no DNS on the tracking thread)."""
    try:
        ipaddress.ip_address(host)
        numeric = socket.AI_NUMERICHOST
    except ValueError:
        numeric = 0
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM, flags=numeric)
    except (socket.gaierror, UnicodeError, OSError) as e:  # idna rejects names like "a..b" with UnicodeError
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e) or type(e).__name__
        raise OutputError(f"{what} {host}:{port}: cannot resolve host ({why}); check the name or use an IP") \
            from None
    infos.sort(key=lambda i: i[0] != socket.AF_INET)  # prefer IPv4 (VTuber apps usually listen there)
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr


def _peer(sock: socket.socket) -> str:
    try:
        host, port = sock.getpeername()[:2]
    except OSError:
        return "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class UdpOutput:
    """An Output that sends ``encode(frame)`` datagrams to every target (see module docstring).

    One non-blocking UDP socket per target, connected to it: the kernel picks an ephemeral source port, and a
    connected socket is the only kind on which Linux reports the ICMP "port unreachable" of an absent receiver.
    """

    def __init__(self, name: str, targets: Iterable[str | Sequence], encode: Encoder):
        self.name = name
        self._encode = encode
        what = f"{name} target"
        self.targets: list[Target] = [_as_target(t, what) for t in targets]
        if not self.targets:
            raise OutputError(f"{name}: no UDP target given; add one such as 127.0.0.1:{VMC_DEFAULT[1]}")
        self._socks: list[socket.socket] = []
        try:
            for host, port in self.targets:
                family, addr = _resolve(host, port, what)
                self._socks.append(self._open(family, addr, f"{host}:{port}"))
        except Exception:
            self.close()
            raise
        self._status = OutputStatus(name=name, state="ok",
                                    detail={"targets": [f"{h}:{p}" for h, p in self.targets],
                                            "refused": 0, "dropped": 0})
        self._since_refused = WAITING_FRAMES

    def _open(self, family: int, addr: tuple, label: str) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.connect(addr)  # binds an ephemeral source port; never the receiver's port
        except OSError as e:
            sock.close()
            raise OutputError(f"{self.name}: cannot send to {label} ({e.strerror or e}); check the address "
                              "and that the network is up") from None
        return sock

    @property
    def local_ports(self) -> list[int]:
        """The ephemeral source port of each socket (for diagnostics and tests)."""
        return [s.getsockname()[1] for s in self._socks]

    def send(self, frame: MappedFrame) -> None:
        st = self._status
        if st.state == "off":
            return
        try:
            datagrams = self._encode(frame)
        except Exception as e:  # a bad profile/frame must not stop the pipeline
            st.state, st.last_error = "error", f"{self.name}: cannot encode frame: {e}"
            return
        refused = failed = False
        sent = 0
        for sock in self._socks:
            for d in datagrams:
                try:
                    sock.send(d)
                    sent += 1
                except (ConnectionRefusedError, ConnectionResetError):
                    refused = True  # receiver not running (ICMP port unreachable from an earlier datagram)
                    st.detail["refused"] += 1
                except BlockingIOError:
                    st.detail["dropped"] += 1
                except OSError as e:
                    failed = True
                    st.detail["dropped"] += 1
                    st.last_error = f"{self.name}: send to {_peer(sock)} failed: {e.strerror or e}"
        st.packets += sent
        self._since_refused = 0 if refused else self._since_refused + 1
        if failed:
            st.state = "error"
        else:
            st.state = "waiting" if self._since_refused < WAITING_FRAMES else "ok"

    def status(self) -> OutputStatus:
        st = self._status
        return OutputStatus(name=st.name, enabled=st.enabled, state=st.state, packets=st.packets,
                            last_error=st.last_error, detail=dict(st.detail))

    def close(self) -> None:
        for s in self._socks:
            s.close()
        self._socks.clear()
        if hasattr(self, "_status"):
            self._status.state = "off"

    def __enter__(self) -> "UdpOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def vmc_output(targets: Iterable[str | Sequence] | None = None, *, name: str = "vmc", max_datagram: int = 1200,
               **options) -> UdpOutput:
    """VMC sender (default 127.0.0.1:39539); ``options`` are :class:`VmcOptions` fields."""
    try:
        opts = VmcOptions(**options)
    except TypeError as e:
        raise OutputError(f"{name}: unknown VMC option ({e}); see VmcOptions") from None
    return UdpOutput(name, list(targets or [VMC_DEFAULT]), VmcEncoder(opts, max_datagram=max_datagram).encode)


def ifm_output(targets: Iterable[str | Sequence] | None = None, version: int = 1, *, name: str = "ifacialmocap",
               listen: int = 0, **kw):
    """iFacialMocap sender: pushes to ``targets`` (``HOST:PORT`` or ``HOST:PORT@v2``; default 127.0.0.1:49983
    unless ``listen`` is set) at ``version`` unless a target names its own, and with ``listen`` = a port answers
    receivers' handshakes (phone mode, ``vtbridge.outputs.ifm_listener``)."""
    from vtbridge.outputs.ifm_listener import IfmOutput

    if targets is None:
        targets = [] if listen else [f"{IFM_DEFAULT[0]}:{IFM_DEFAULT[1]}"]
    texts = [t if isinstance(t, str) else f"{t[0]}:{t[1]}" for t in targets]
    return IfmOutput(texts, version=version, listen=listen or None, name=name, **kw)
