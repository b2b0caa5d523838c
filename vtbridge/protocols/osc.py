"""Minimal OSC 1.0 codec, sans I/O: bytes in, bytes out, no sockets.

Encoding: strings are ASCII/UTF-8, NUL-terminated and padded to a multiple of 4 bytes; ``i`` is big-endian int32,
``f`` big-endian float32, ``b`` a size-prefixed padded blob. A bundle is ``#bundle\\0`` + 8-byte timetag + elements,
each prefixed with its int32 size. The hot path (VMC frames) uses :class:`Layout`: a message or bundle whose
constant bytes are precomputed so that one ``struct.pack`` call produces the whole datagram.

The decoder is small and strict; it exists for tests and fake receivers (the tests also decode with independent
implementations).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

#: OSC timetag meaning "immediately" (seconds 0, fraction 1).
IMMEDIATE = 1
BUNDLE_TAG = b"#bundle\x00"
#: Bytes a bundle adds before its first element (tag + timetag).
BUNDLE_HEADER_SIZE = 16
#: Bytes each bundle element adds (its int32 size prefix).
ELEMENT_OVERHEAD = 4


class OscError(ValueError):
    """Malformed OSC data (decoder) or arguments that cannot be encoded."""


def pad(data: bytes) -> bytes:
    """``data`` NUL-terminated and padded to a multiple of 4 (OSC-string rule)."""
    return data + b"\x00" * (4 - len(data) % 4)


def osc_string(text: str) -> bytes:
    return pad(text.encode("utf-8"))


def _blob(data: bytes) -> bytes:
    n = len(data)
    return struct.pack(">i", n) + data + b"\x00" * (-n % 4)


def infer_tags(args: Sequence[Any]) -> str:
    """OSC type tags for Python values: bool/int -> i, float -> f, str -> s, bytes -> b."""
    tags = []
    for a in args:
        if isinstance(a, (bool, int)):
            tags.append("i")
        elif isinstance(a, float):
            tags.append("f")
        elif isinstance(a, str):
            tags.append("s")
        elif isinstance(a, (bytes, bytearray)):
            tags.append("b")
        else:
            raise OscError(f"cannot encode {type(a).__name__} as an OSC argument")
    return "".join(tags)


def encode_message(address: str, *args: Any, tags: str | None = None) -> bytes:
    """One OSC message. ``tags`` (without the leading comma) forces types, e.g. ``"sf"``; inferred otherwise."""
    if not address.startswith("/"):
        raise OscError(f"OSC address must start with '/': {address!r}")
    if tags is None:
        tags = infer_tags(args)
    if len(tags) != len(args):
        raise OscError(f"{len(tags)} type tags for {len(args)} arguments")
    out = [osc_string(address), osc_string("," + tags)]
    for tag, a in zip(tags, args):
        if tag == "i":
            out.append(struct.pack(">i", int(a)))
        elif tag == "f":
            out.append(struct.pack(">f", float(a)))
        elif tag == "s":
            out.append(osc_string(str(a)))
        elif tag == "b":
            out.append(_blob(bytes(a)))
        else:
            raise OscError(f"unsupported type tag {tag!r}")
    return b"".join(out)


def encode_bundle(elements: Iterable[bytes], timetag: int = IMMEDIATE) -> bytes:
    """A bundle of already-encoded messages (or bundles)."""
    out = [BUNDLE_TAG, struct.pack(">Q", timetag)]
    for e in elements:
        out.append(struct.pack(">i", len(e)))
        out.append(e)
    return b"".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Precomputed layouts (hot path)


@dataclass(frozen=True)
class Template:
    """A message whose address, type tags and string arguments are fixed; only its numeric tail varies.

    ``head`` holds the constant bytes (address, tags, fixed strings); ``tail`` is the struct format of the numeric
    arguments (``"f"``, ``"i"``) in order, so the encoded message is ``head + pack(">" + tail, *values)``.
    """

    head: bytes
    tail: str

    @classmethod
    def build(cls, address: str, tags: str, *strings: str) -> "Template":
        """``tags`` lists every argument; the first ``len(strings)`` must be ``s`` and the rest ``i``/``f``."""
        n = len(strings)
        if tags[:n] != "s" * n or any(t not in "if" for t in tags[n:]):
            raise OscError(f"template tags {tags!r} must be {n} strings then only i/f")
        head = osc_string(address) + osc_string("," + tags) + b"".join(osc_string(s) for s in strings)
        return cls(head, tags[n:])

    @property
    def size(self) -> int:
        return len(self.head) + 4 * len(self.tail)


class Layout:
    """One datagram built from templates: a bundle (``bundled=True``) or a single bare message.

    ``pack(values)`` takes the numeric arguments of all templates concatenated in order and returns the datagram
    with a single ``struct.pack`` call.
    """

    def __init__(self, templates: Sequence[Template], *, bundled: bool = True, timetag: int = IMMEDIATE):
        if not bundled and len(templates) != 1:
            raise OscError("an unbundled datagram holds exactly one message")
        fmt = [">"]
        take: list[tuple[bool, Any]] = []  # (is_value, const bytes | value index)
        const = bytearray()
        if bundled:
            const += BUNDLE_TAG + struct.pack(">Q", timetag)
        k = 0
        for t in templates:
            if bundled:
                const += struct.pack(">i", t.size)
            const += t.head
            for code in t.tail:
                if const:
                    fmt.append(f"{len(const)}s")
                    take.append((False, bytes(const)))
                    const = bytearray()
                fmt.append(code)
                take.append((True, k))
                k += 1
        if const:
            fmt.append(f"{len(const)}s")
            take.append((False, bytes(const)))
        self.templates = tuple(templates)
        self.n_values = k
        self._struct = struct.Struct("".join(fmt))
        self._take = take
        self.size = self._struct.size

    def pack(self, values: Sequence[Any]) -> bytes:
        if len(values) != self.n_values:
            raise OscError(f"layout takes {self.n_values} values, got {len(values)}")
        return self._struct.pack(*[values[x] if is_value else x for is_value, x in self._take])


def bundle_size(templates: Iterable[Template]) -> int:
    return BUNDLE_HEADER_SIZE + sum(ELEMENT_OVERHEAD + t.size for t in templates)


def split_templates(templates: Sequence[Template], max_datagram: int) -> list[list[Template]]:
    """Greedy split of ``templates`` (in order) into bundles of at most ``max_datagram`` bytes each."""
    chunks: list[list[Template]] = []
    current: list[Template] = []
    size = BUNDLE_HEADER_SIZE
    for t in templates:
        need = ELEMENT_OVERHEAD + t.size
        if BUNDLE_HEADER_SIZE + need > max_datagram:
            raise OscError(f"one OSC message of {t.size} bytes cannot fit a {max_datagram}-byte datagram")
        if current and size + need > max_datagram:
            chunks.append(current)
            current, size = [], BUNDLE_HEADER_SIZE
        current.append(t)
        size += need
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------------------------------------------------------
# Decoder


@dataclass(frozen=True)
class Message:
    address: str
    tags: str  # without the leading comma
    args: tuple


def _read_string(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end < 0:
        raise OscError(f"unterminated OSC string at byte {pos}")
    text = data[pos:end].decode("utf-8")
    return text, (end + 4) & ~3


def decode_message(data: bytes) -> Message:
    address, pos = _read_string(data, 0)
    if not address.startswith("/"):
        raise OscError(f"not an OSC message (address {address!r})")
    if pos >= len(data):  # OSC 1.0 allows omitting the type tag string (no arguments)
        return Message(address, "", ())
    tags, pos = _read_string(data, pos)
    if not tags.startswith(","):
        raise OscError(f"type tag string must start with ',': {tags!r}")
    tags = tags[1:]
    args: list[Any] = []
    for tag in tags:
        if tag in "if":
            if pos + 4 > len(data):
                raise OscError("truncated argument")
            args.append(struct.unpack_from(">i" if tag == "i" else ">f", data, pos)[0])
            pos += 4
        elif tag in "hd":
            if pos + 8 > len(data):
                raise OscError("truncated argument")
            args.append(struct.unpack_from(">q" if tag == "h" else ">d", data, pos)[0])
            pos += 8
        elif tag == "s":
            s, pos = _read_string(data, pos)
            args.append(s)
        elif tag == "b":
            (n,) = struct.unpack_from(">i", data, pos)
            args.append(bytes(data[pos + 4:pos + 4 + n]))
            pos += 4 + n + (-n % 4)
        elif tag in "TFN":
            args.append({"T": True, "F": False, "N": None}[tag])
        else:
            raise OscError(f"unsupported type tag {tag!r}")
    if pos != len(data):
        raise OscError(f"{len(data) - pos} trailing bytes after OSC message {address}")
    return Message(address, tags, tuple(args))


def decode_packet(data: bytes) -> list[Message]:
    """All messages in a datagram, bundles flattened in order."""
    if data.startswith(BUNDLE_TAG):
        if len(data) < BUNDLE_HEADER_SIZE:
            raise OscError("truncated bundle header")
        out: list[Message] = []
        pos = BUNDLE_HEADER_SIZE
        while pos < len(data):
            (n,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if n <= 0 or n % 4 or pos + n > len(data):
                raise OscError(f"bad bundle element size {n} at byte {pos - 4}")
            out.extend(decode_packet(data[pos:pos + n]))
            pos += n
        return out
    return [decode_message(data)]
