"""One strict JSON reader for every JSON text a user (or a web page) hands vtbridge: ``config.json``, profiles and
dashboard messages.

Why not plain ``json.loads``: it raises ``UnicodeDecodeError`` for a file saved in Windows-1252, ``RecursionError``
for ``[`` x 100000, a bare ``ValueError`` for an integer of thousands of digits, accepts ``NaN``/``Infinity`` and
silently keeps the last of two duplicate keys. Each of those crashed a command or hid a mistake. Here every such
problem is one ``JsonError`` carrying the line and column, so callers turn it into their own one-line message.

How: a linear token scan (strings, brackets, colons, numbers, bare words) checks nesting depth, number size,
NaN/Infinity and duplicate keys with exact positions *before* ``json.loads`` runs, so the parser never meets
anything it would crash on; ``json.loads`` then reports plain syntax errors with its own line and column.
"""

from __future__ import annotations

import codecs
import json
import math
import re

#: Deeper than any config, profile or dashboard message needs, far below Python's recursion limit.
MAX_DEPTH = 64
#: Characters in one number literal (a double needs at most ~25; a 64-bit integer 20).
MAX_NUMBER_CHARS = 100

_TOKEN = re.compile(r'''
    (?P<str>"(?:[^"\\]|\\.)*(?:"|\Z))     # a string (an unterminated one runs to the end: json.loads reports it)
  | (?P<open>[\[{])
  | (?P<close>[\]}])
  | (?P<colon>:)
  | (?P<num>-?\d[\d.eE+-]*)
  | (?P<word>-?[A-Za-z_]\w*)
''', re.VERBOSE | re.DOTALL)

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))
_SAVE_AS_UTF8 = "save the file as UTF-8 (in Notepad: File > Save as > Encoding: UTF-8)"


class JsonError(ValueError):
    """Not acceptable JSON. ``message`` says what and how to fix; ``line``/``column`` (1-based) say where, when a
    place can be named. ``str()`` is ``line L column C: message``."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message, self.line, self.column = message, line, column
        where = f"line {line} column {column}: " if line is not None else ""
        super().__init__(where + message)


def position(text: str, index: int) -> tuple[int, int]:
    """(line, column), both 1-based, of character ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 BOM is skipped); anything else is a JsonError naming the encoding or the first bad
    byte's line and column, e.g. a path with "é" saved by an editor in Windows-1252."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise JsonError(f"the file is saved as {name}, not UTF-8; {_SAVE_AS_UTF8}", 1, 1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if b"\x00" in data[:4]:  # no JSON text starts with a NUL: UTF-16/32 without a BOM
        raise JsonError(f"the file looks like UTF-16 text, not UTF-8; {_SAVE_AS_UTF8}", 1, 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        head = data[:err.start].decode("utf-8")
        line, column = position(head, len(head))
        raise JsonError(f"byte 0x{data[err.start]:02X} is not UTF-8 (the file was probably saved as Windows-1252 "
                        f"or Latin-1); {_SAVE_AS_UTF8}", line, column) from None


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH, max_number_chars: int = MAX_NUMBER_CHARS):
    """Parse strict JSON: UTF-8, at most ``max_depth`` nested arrays/objects, finite numbers of at most
    ``max_number_chars`` characters, no NaN/Infinity, no key twice in one object. Raises JsonError only."""
    text = decode(data) if isinstance(data, (bytes, bytearray)) else data
    _check(text, max_depth, max_number_chars)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise JsonError(f"not valid JSON ({err.msg}); fix the syntax (often a missing comma, quote or bracket just "
                        "before this point)", err.lineno, err.colno) from None
    except (ValueError, RecursionError) as err:  # pragma: no cover - _check rules these out; never a traceback
        raise JsonError(f"not acceptable JSON ({err})") from None


def _check(text: str, max_depth: int, max_number_chars: int) -> None:
    stack: list[set | None] = []  # one entry per open bracket: the keys seen (objects) or None (arrays)
    previous = None  # the token before this one
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            if len(stack) >= max_depth:
                _fail(text, m.start(), f"JSON nested too deeply (more than {max_depth} levels of [ and {{); this "
                                       "file needs only a few levels")
            stack.append(set() if m.group() == "{" else None)
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "colon":
            keys = stack[-1] if stack else None
            if keys is not None and previous is not None and previous.lastgroup == "str":
                try:
                    key = json.loads(previous.group())
                except ValueError:
                    key = previous.group()  # a bad escape: json.loads reports it later
                if key in keys:
                    _fail(text, previous.start(), f"key {key!r} appears twice in the same object; keep only one")
                keys.add(key)
        elif kind == "num":
            _check_number(text, m, max_number_chars)
        elif kind == "word":
            word = m.group().lstrip("-")
            if word in ("NaN", "Infinity"):
                _fail(text, m.start(), f"{m.group()} is not allowed in JSON; use a plain number")
        previous = m


def _check_number(text: str, m: re.Match, max_chars: int) -> None:
    token = m.group()
    if len(token) > max_chars:
        _fail(text, m.start(), f"a number {len(token)} characters long (the limit is {max_chars}); use a plain "
                               "number")
    if any(c in token for c in ".eE"):
        try:
            value = float(token)
        except ValueError:
            return  # malformed: json.loads reports it with its position
        if not math.isfinite(value):
            _fail(text, m.start(), f"the number {token} is too large; use a plain number")


def _fail(text: str, index: int, message: str):
    line, column = position(text, index)
    raise JsonError(message, line, column)
