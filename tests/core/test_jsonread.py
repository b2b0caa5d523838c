"""The one strict JSON reader: every hostile input is a JsonError with line and column, never another exception."""

from __future__ import annotations

import codecs
import json

import pytest

from vtbridge.jsonread import MAX_DEPTH, JsonError, decode, loads, position

# (id, input, fragment of the message, line, column)
BAD = [
    ("cp1252", '{\n  "source": "C:\\\\Users\\\\José\\\\clip.mp4"\n}'.encode("cp1252"), "byte 0xE9 is not UTF-8",
     2, 28),
    ("utf16_bom", codecs.BOM_UTF16_LE + '{"a": 1}'.encode("utf-16-le"), "saved as UTF-16", 1, 1),
    ("utf16_no_bom", '{"a": 1}'.encode("utf-16-le"), "looks like UTF-16", 1, 1),
    ("deep_arrays", "[" * 100000 + "]" * 100000, "nested too deeply", 1, MAX_DEPTH + 1),
    ("deep_objects", '{"a":' * 70 + "1" + "}" * 70, "nested too deeply", 1, 5 * MAX_DEPTH + 1),
    ("huge_int", '{"x": ' + "9" * 5000 + "}", "5000 characters long", 1, 7),
    ("huge_float", '{"x": 1e999}', "too large", 1, 7),
    ("nan", '{\n "a": [1,\n  NaN]}', "NaN is not allowed", 3, 3),
    ("infinity", '{"a": Infinity}', "Infinity is not allowed", 1, 7),
    ("minus_infinity", '{"a":\n -Infinity}', "-Infinity is not allowed", 2, 2),
    ("duplicate", '{"a": 1,\n "b": {"c": 1, "c": 2}}', "key 'c' appears twice", 2, 16),
    ("duplicate_escaped", '{"a": 1, "\\u0061": 2}', "key 'a' appears twice", 1, 10),
    ("syntax", '{\n  "a": 1\n  "b": 2\n}', "Expecting ',' delimiter", 3, 3),
    ("unterminated", '{"a": "NaN', "Unterminated string", 1, 7),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_hostile_json_is_one_error_with_line_and_column(case):
    _, data, fragment, line, column = case
    with pytest.raises(JsonError) as info:
        loads(data)
    err = info.value
    assert fragment in err.message
    assert (err.line, err.column) == (line, column)
    assert str(err).startswith(f"line {line} column {column}: ")
    assert "\n" not in str(err)


def test_valid_json_reads_like_json_loads():
    text = '{"a": [1, 2.5, -3e-2, true, false, null], "b": {"a": "[{\\"x\\": NaN}]"}, "c": "é:{"}'
    assert loads(text) == json.loads(text)
    assert loads(codecs.BOM_UTF8 + text.encode()) == json.loads(text)
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) == json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_same_key_in_different_objects_is_fine():
    assert loads('{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]}')["c"][1]["x"] == 4


def test_limits_are_parameters():
    with pytest.raises(JsonError, match="more than 2 levels"):
        loads("[[[1]]]", max_depth=2)
    assert loads("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(JsonError, match="characters long"):
        loads("123456", max_number_chars=5)


def test_decode_and_position():
    assert decode("é".encode()) == "é"
    assert position("ab\ncd", 4) == (2, 2)
    assert position("ab", 0) == (1, 1)
