"""Read one profile JSON file and check its structure (the rules of ``profiles/schema.json``) without a schema
library: every problem gets a JSON pointer and a fix, unknown keys are errors, and hostile files (huge, deeply
nested, NaN literals, duplicate keys) are refused with a clear message instead of a traceback."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from vtbridge.jsonread import JsonError
from vtbridge.jsonread import loads as strict_json
from vtbridge.mapping.compiler import Options
from vtbridge.mapping.problem import Problem, ProfileError, pointer, suggest

MAX_FILE_BYTES = 1_000_000
MAX_NAME_LENGTH = 128
TOP_KEYS = ("$schema", "name", "description", "extends", "outputs")
OPTION_KEYS = ("expr", "curve", "gain", "offset", "deadzone", "clamp", "invert", "smoothing")


@dataclass(frozen=True)
class OutputSpec:
    """One output as written in one file. ``raw`` is the JSON value (for ``profiles show``)."""

    name: str
    expr: str
    options: Options
    raw: object
    file: Path
    pointer: str  # /outputs/NAME
    expr_pointer: str  # /outputs/NAME or /outputs/NAME/expr


@dataclass(frozen=True)
class Document:
    path: Path
    name: str
    description: str
    extends: str | None
    #: Output name -> spec, or None where this file removes an inherited output (``"Name": null``).
    outputs: dict = field(default_factory=dict)


def read_json(path: Path):
    """Parse ``path`` as strict JSON (the shared reader: UTF-8, BOM tolerated, bounded depth and numbers, no NaN,
    no key twice) or raise ProfileError saying where and why."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProfileError(Problem(path, f"cannot read profile: {exc.strerror or exc}; check the path")) from None
    if size > MAX_FILE_BYTES:
        raise ProfileError(Problem(path, f"file is {size} bytes, larger than the {MAX_FILE_BYTES} byte limit for "
                                         "profiles; is this really a profile?"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError(Problem(path, f"cannot read profile: {exc.strerror or exc}")) from None
    try:
        return strict_json(data)
    except JsonError as exc:
        message = exc.message.replace("not valid JSON", "invalid JSON", 1)
        raise ProfileError(Problem(path, message, line=exc.line, column=exc.column)) from None


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _type_name(x) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(x), "a number")


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, ptr: str, message: str) -> None:
        self.problems.append(Problem(self.path, message, ptr))

    def unknown_keys(self, obj: dict, allowed, ptr_parts) -> None:
        for key in obj:
            if key not in allowed:
                hint = suggest(key, allowed) or f"allowed keys: {', '.join(allowed)}"
                self.add(pointer(*ptr_parts, key), f"unknown key {key!r}: {hint}")

    def number(self, obj: dict, key: str, parts, low=None, high=None, low_open=False, high_open=False):
        value = obj[key]
        ptr = pointer(*parts, key)
        if not _is_num(value):
            self.add(ptr, f"{key} must be a number, not {_type_name(value)}")
            return None
        value = float(value)
        bad_low = low is not None and (value <= low if low_open else value < low)
        bad_high = high is not None and (value >= high if high_open else value > high)
        if bad_low or bad_high:
            lo = "" if low is None else (f"> {low:g}" if low_open else f">= {low:g}")
            hi = "" if high is None else (f"< {high:g}" if high_open else f"<= {high:g}")
            self.add(ptr, f"{key} is {value:g} but must be {' and '.join(p for p in (lo, hi) if p)}")
            return None
        return value

    def curve(self, value, parts):
        ptr = pointer(*parts)
        if _is_num(value):
            if value <= 0 or value > 100:
                self.add(ptr, f"curve gamma must be > 0 and <= 100, not {value:g}")
                return None
            return float(value)
        if not isinstance(value, list) or len(value) < 2:
            self.add(ptr, "curve must be a gamma number or a list of at least two [in, out] points, "
                          "e.g. [[0, 0], [0.5, 0.8], [1, 1]]")
            return None
        points = []
        for i, point in enumerate(value):
            if not (isinstance(point, list) and len(point) == 2 and all(_is_num(c) for c in point)):
                self.add(pointer(*parts, i), f"curve point must be [in, out] numbers, not {json.dumps(point)[:40]}")
                return None
            if points and point[0] <= points[-1][0]:
                self.add(pointer(*parts, i, 0), f"curve 'in' values must be strictly increasing: {point[0]:g} "
                                                 f"follows {points[-1][0]:g}; sort the points")
                return None
            points.append((float(point[0]), float(point[1])))
        return tuple(points)

    def clamp(self, value, parts):
        ptr = pointer(*parts)
        if not (isinstance(value, list) and len(value) == 2 and all(_is_num(c) for c in value)):
            self.add(ptr, "clamp must be [lo, hi] (two numbers), e.g. [0, 1]")
            return None
        if value[0] > value[1]:
            self.add(ptr, f"clamp lo {value[0]:g} is greater than hi {value[1]:g}; swap them")
            return None
        return (float(value[0]), float(value[1]))

    def output(self, name: str, value) -> OutputSpec | None:
        parts = ("outputs", name)
        ptr = pointer(*parts)
        if isinstance(value, str) or _is_num(value):
            expr = value if isinstance(value, str) else repr(float(value))
            return OutputSpec(name, expr, Options(), value, self.path, ptr, ptr)
        if not isinstance(value, dict):
            self.add(ptr, f"output must be an expression string, a number, an options object or null, not "
                          f"{_type_name(value)}")
            return None
        before = len(self.problems)
        self.unknown_keys(value, OPTION_KEYS, parts)
        if "expr" not in value:
            self.add(ptr, "options object needs an \"expr\" key, e.g. {\"expr\": \"jawOpen\", \"gain\": 1.5}")
            return None
        expr = value["expr"]
        if _is_num(expr):
            expr = repr(float(expr))
        elif not isinstance(expr, str):
            self.add(pointer(*parts, "expr"), f"expr must be a string or number, not {_type_name(expr)}")
        opts = {}
        for key in ("gain", "offset"):
            if key in value:
                opts[key] = self.number(value, key, parts)
        if "deadzone" in value:
            opts["deadzone"] = self.number(value, "deadzone", parts, low=0.0)
        if "smoothing" in value:
            opts["smoothing"] = self.number(value, "smoothing", parts, low=0.0, high=1.0, high_open=True)
        if "curve" in value:
            opts["curve"] = self.curve(value["curve"], (*parts, "curve"))
        if "clamp" in value:
            opts["clamp"] = self.clamp(value["clamp"], (*parts, "clamp"))
        if "invert" in value:
            if not isinstance(value["invert"], bool):
                self.add(pointer(*parts, "invert"), f"invert must be true or false, not {_type_name(value['invert'])}")
            opts["invert"] = value["invert"] is True
        if len(self.problems) > before:
            return None
        return OutputSpec(name, expr, Options(**opts), value, self.path, ptr, pointer(*parts, "expr"))


def check_document(data, path: Path) -> Document:
    """Validate the parsed JSON of one file; raises ProfileError listing every structural problem."""
    c = _Checker(path)
    if not isinstance(data, dict):
        raise ProfileError(Problem(path, f"a profile must be a JSON object {{...}}, not {_type_name(data)}"))
    c.unknown_keys(data, TOP_KEYS, ())
    for key in ("$schema", "name", "description"):
        if key in data and not isinstance(data[key], str):
            c.add(pointer(key), f"{key} must be a string, not {_type_name(data[key])}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        name = path.stem
        if "name" in data and isinstance(data["name"], str):
            c.add(pointer("name"), "name must not be empty")
    extends = data.get("extends")
    if extends is not None and (not isinstance(extends, str) or not extends.strip()):
        c.add(pointer("extends"), "extends must be a profile name (e.g. \"vseeface\") or a path to a .json file")
        extends = None
    raw_outputs = data.get("outputs", {})
    outputs: dict = {}
    if not isinstance(raw_outputs, dict):
        c.add(pointer("outputs"), f"outputs must be an object {{\"OutputName\": \"expression\"}}, not "
                                  f"{_type_name(raw_outputs)}")
        raw_outputs = {}
    for out_name, value in raw_outputs.items():
        ptr = pointer("outputs", out_name)
        if not out_name or len(out_name) > MAX_NAME_LENGTH or any(ord(ch) < 32 for ch in out_name):
            c.add(ptr, f"output names must be 1-{MAX_NAME_LENGTH} printable characters")
            continue
        if value is None:
            if extends is None:
                c.add(ptr, "null removes an inherited output, but this profile has no \"extends\"; delete the line")
            outputs[out_name] = None
            continue
        spec = c.output(out_name, value)
        if spec is not None:
            outputs[out_name] = spec
    if c.problems:
        raise ProfileError(c.problems)
    description = data.get("description", "")
    return Document(path, name, description if isinstance(description, str) else "", extends, outputs)


def read_document(path: Path) -> Document:
    return check_document(read_json(path), path)
