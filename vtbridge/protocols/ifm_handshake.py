"""iFacialMocap "phone mode", sans I/O: who asked for a stream, and in which text version.

The phone app waits on UDP 49983. A receiver (VSeeFace, VMagicMirror, THA3, a VRCFaceTracking module...) sends it
the ASCII handshake ``iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719``, with ``|sendDataVersion=v2`` appended
to ask for the v2 text (``name&value``), and the app then streams 60 datagrams a second to the *sender's address*
on port 49983 (ifacialmocap.com/for-developer). ``Subscribers`` is that bookkeeping: feed it every datagram that
arrives on the listening socket, and it keeps the list of (host, reply port, version) to stream to. It never touches
sockets or clocks; ``vtbridge.outputs.ifm_listener`` is the driver.

Renewal: the developer page defines no renewal and no stop message for the UDP stream (only a TCP stop command),
and receivers send the handshake once when they connect, so a subscriber stays until vtbridge stops. A repeated
handshake from the same host updates its version (a receiver restarted with other settings); the list is bounded
(``max_receivers``; the longest-silent one makes room).
"""

from __future__ import annotations

from dataclasses import dataclass

HANDSHAKE = b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719"
V2_SUFFIX = b"|sendDataVersion=v2"
#: The TCP variant (stream over TCP to the PC's port 49986) that vtbridge does not offer.
TCP_HANDSHAKE = b"iFacialMocap_UDPTCP_sahuasouryya9218sauhuiayeta91555dy3719"
PORT = 49983


def parse_handshake(data: bytes) -> int | None:
    """The text version a handshake asks for (1 or 2), or None when ``data`` is not a UDP handshake."""
    text = data.strip(b"\x00 \r\n")
    if text == HANDSHAKE:
        return 1
    if text == HANDSHAKE + V2_SUFFIX:
        return 2
    return None


@dataclass(frozen=True)
class Subscriber:
    host: str
    port: int  # where the stream goes: the protocol's 49983 on the requester's host
    version: int
    since: float  # when it (last) asked

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port} v{self.version}"


@dataclass(frozen=True)
class Event:
    """What one datagram changed, for the log/status line: kind is "new", "version", "again", "tcp" or
    "ignored"."""

    kind: str
    text: str
    subscriber: Subscriber | None = None


class Subscribers:
    """The receivers to stream to. ``reply_port`` is the protocol's fixed 49983; 0 answers to the handshake's own
    source port instead (tests, and receivers that listen on the socket they ask from)."""

    def __init__(self, reply_port: int = PORT, max_receivers: int = 16) -> None:
        if not 0 <= reply_port <= 65535:
            raise ValueError(f"reply port {reply_port} is not 0-65535")
        self.reply_port = reply_port
        self.max_receivers = max(1, max_receivers)
        self._by_host: dict[str, Subscriber] = {}

    @property
    def all(self) -> list[Subscriber]:
        return list(self._by_host.values())

    def receive(self, data: bytes, addr: tuple, now: float) -> Event:
        """Handle one datagram from ``addr`` ((host, port, ...)) that reached the listening port."""
        host, src_port = str(addr[0]), int(addr[1])
        version = parse_handshake(data)
        if version is None:
            if data.strip(b"\x00 \r\n").startswith(TCP_HANDSHAKE):
                return Event("tcp", f"iFacialMocap: {host} asked for a TCP stream, which vtbridge does not offer; "
                                    "choose UDP in that app")
            return Event("ignored", f"iFacialMocap: ignored a datagram from {host} that is not a handshake")
        port = self.reply_port or src_port
        key = host if self.reply_port else f"{host}:{src_port}"
        old = self._by_host.get(key)
        sub = Subscriber(host, port, version, now)
        if old is None and len(self._by_host) >= self.max_receivers:
            oldest = min(self._by_host, key=lambda k: self._by_host[k].since)
            del self._by_host[oldest]
        self._by_host.pop(key, None)
        self._by_host[key] = sub
        if old is None:
            return Event("new", f"iFacialMocap: streaming v{version} to {sub.label} (it asked)", sub)
        if old.version != version:
            return Event("version", f"iFacialMocap: {sub.label} now asks for v{version}", sub)
        return Event("again", f"iFacialMocap: {sub.label} asked again", sub)

    def forget(self, host: str) -> None:
        self._by_host.pop(host, None)
