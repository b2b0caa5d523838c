"""Bad profiles: each gives one clear error naming the file, the JSON pointer and (for expressions) the column."""

from __future__ import annotations

import pytest

from vtbridge.mapping.profile import ProfileError, load_profile

from .helpers import write

# (name, document or raw text, fragments expected in str(err), expected pointer, expected column)
BAD = [
    ("json_syntax", '{\n  "outputs": {\n    "A": "jawOpen"\n    "B": "1"\n  }\n}',
     ["line 4, column 5", "invalid JSON", "Expecting ',' delimiter"], "", 5),
    ("not_object", "[1, 2]", ["must be a JSON object"], "", None),
    ("unknown_name", {"outputs": {"Blink_L": {"expr": "1 - eyeBlinkLeftt"}}},
     ["/outputs/Blink_L/expr", "column 5", "eyeBlinkLeftt: did you mean eyeBlinkLeft?"], "/outputs/Blink_L/expr", 5),
    ("unknown_name_short_form", {"outputs": {"X": "jawOpn"}},
     ["/outputs/X: column 1", "did you mean jawOpen?"], "/outputs/X", 1),
    ("unknown_output_ref", {"outputs": {"Joy": "1", "X": "@Jyo"}}, ["unknown output @Jyo: did you mean Joy?"],
     "/outputs/X", 1),
    ("function_as_name", {"outputs": {"X": "min + 1"}}, ["min is a function"], "/outputs/X", 1),
    ("cycle", {"outputs": {"A": "B + 1", "B": "C", "C": "A * 2"}}, ["cycle: A -> B -> C -> A"], "/outputs/A", None),
    ("self_cycle", {"outputs": {"Blink": "Blink"}}, ["cycle: Blink -> Blink"], "/outputs/Blink", None),
    ("at_self_cycle", {"outputs": {"jawOpen": "@jawOpen"}}, ["cycle: jawOpen -> jawOpen"], "/outputs/jawOpen", None),
    ("wrong_type_output", {"outputs": {"X": [1]}}, ["output must be an expression string", "not an array"],
     "/outputs/X", None),
    ("wrong_type_gain", {"outputs": {"X": {"expr": "jawOpen", "gain": "2"}}}, ["gain must be a number, not a string"],
     "/outputs/X/gain", None),
    ("wrong_type_invert", {"outputs": {"X": {"expr": "jawOpen", "invert": 1}}}, ["invert must be true or false"],
     "/outputs/X/invert", None),
    ("wrong_type_outputs", {"outputs": []}, ["outputs must be an object"], "/outputs", None),
    ("unknown_top_key", {"output": {}}, ["unknown key 'output': did you mean outputs?"], "/output", None),
    ("unknown_option_key", {"outputs": {"X": {"expr": "jawOpen", "gian": 2}}},
     ["unknown key 'gian': did you mean gain?"], "/outputs/X/gian", None),
    ("missing_expr", {"outputs": {"X": {"gain": 2}}}, ["needs an \"expr\" key"], "/outputs/X", None),
    ("non_increasing_curve", {"outputs": {"X": {"expr": "jawOpen", "curve": [[0, 0], [0.5, 1], [0.5, 0.2]]}}},
     ["strictly increasing", "0.5 follows 0.5"], "/outputs/X/curve/2/0", None),
    ("bad_gamma", {"outputs": {"X": {"expr": "jawOpen", "curve": -1}}}, ["gamma must be > 0"], "/outputs/X/curve",
     None),
    ("bad_clamp", {"outputs": {"X": {"expr": "jawOpen", "clamp": [1, 0]}}}, ["greater than hi"], "/outputs/X/clamp",
     None),
    ("bad_smoothing", {"outputs": {"X": {"expr": "jawOpen", "smoothing": 1}}}, ["smoothing is 1 but must be"],
     "/outputs/X/smoothing", None),
    ("arity", {"outputs": {"X": "remap(jawOpen, 0, 1)"}}, ["remap takes 5 arguments, got 3",
                                                           "remap(x, in_lo, in_hi, out_lo, out_hi)"], "/outputs/X", 1),
    ("syntax", {"outputs": {"X": {"expr": "jawOpen * (1 + 2"}}}, ["expected ')'", "column 17"], "/outputs/X/expr",
     17),
    ("null_without_extends", {"outputs": {"X": None}}, ["has no \"extends\""], "/outputs/X", None),
    ("duplicate_key", '{"outputs": {"A": "1", "A": "2"}}', ["line 1, column 24", "key 'A' appears twice"], "", 24),
    ("nan_literal", '{"outputs": {\n  "A": NaN}}', ["line 2, column 8", "NaN is not allowed"], "", 8),
    ("infinity_literal", '{"outputs": {"A": {"expr": "1", "gain": -Infinity}}}',
     ["line 1, column 41", "-Infinity is not allowed"], "", 41),
    ("deep_json", "[" * 100000 + "]" * 100000, ["line 1, column 65", "nested too deeply"], "", 65),
    ("huge_number", '{"outputs": {"A": ' + "1" * 5000 + "}}", ["line 1, column 19", "5000 characters long"], "", 19),
    ("no_outputs_no_extends", {"name": "empty", "outputs": {}}, ["no outputs and no \"extends\""], "/outputs", None),
    ("no_outputs_key", {"name": "empty"}, ["no outputs and no \"extends\""], "/outputs", None),
    ("too_many_outputs", {"outputs": {f"O{i}": "jawOpen" for i in range(257)}},
     ["257 outputs, more than the limit of 256"], "/outputs", None),
    ("deep_expression", {"outputs": {"X": "(" * 300 + "1" + ")" * 300}}, ["nested too deeply"], "/outputs/X", 101),
    ("huge_expression", {"outputs": {"X": "1" + "+1" * 1500}}, ["characters long (limit 2000)"], "/outputs/X", 2001),
    ("missing_parent", {"extends": "nonexistent-profile", "outputs": {}}, ["/extends", "no profile named"], "/extends",
     None),
    ("bad_extends_type", {"extends": 3, "outputs": {}}, ["extends must be a profile name"], "/extends", None),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_profile_gives_clear_error(tmp_path, case):
    name, doc, fragments, ptr, column = case
    path = write(tmp_path, name, doc)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    err = info.value
    message = str(err)
    assert message.startswith(str(path) + ":"), message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert err.pointer == ptr
    assert err.column == column
    assert err.details().startswith(message.split(" (and ")[0])


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"outputs": {}, "description": "' + "x" * 1_100_000 + '"}')
    with pytest.raises(ProfileError, match=r"huge.json: file is \d+ bytes, larger than the 1000000 byte limit"):
        load_profile(path)


def test_multi_line_form_has_caret_under_column(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"Blink_L": {"expr": "1 - eyeBlinkLeftt"}}})
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    lines = info.value.details().splitlines()
    assert lines[1] == "    1 - eyeBlinkLeftt"
    assert lines[2] == "        ^"


def test_all_problems_are_collected(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"A": "jawOpn", "B": "1 +", "C": "C"}})
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert len(info.value.problems) == 3
    assert "(and 2 more problems)" in str(info.value)
    assert [p.pointer for p in info.value.problems] == ["/outputs/A", "/outputs/B", "/outputs/C"]


def test_error_in_parent_points_at_parent_file(tmp_path):
    parent = write(tmp_path, "parent", {"outputs": {"A": "jawOpn"}})
    child = write(tmp_path, "child", {"extends": "parent.json", "outputs": {"B": "1"}})
    with pytest.raises(ProfileError) as info:
        load_profile(child)
    assert str(info.value).startswith(str(parent))


def test_extends_loop(tmp_path):
    write(tmp_path, "a", {"extends": "b.json", "outputs": {}})
    write(tmp_path, "b", {"extends": "a.json", "outputs": {}})
    with pytest.raises(ProfileError, match="extends loop: a.json -> b.json -> a.json"):
        load_profile(tmp_path / "a.json")


def test_removing_unknown_output_suggests(tmp_path):
    write(tmp_path, "base", {"outputs": {"Blink_L": "eyeBlinkLeft"}})
    child = write(tmp_path, "child", {"extends": "base.json", "outputs": {"Blink_l": None}})
    with pytest.raises(ProfileError, match="cannot remove 'Blink_l'.*did you mean Blink_L"):
        load_profile(child)


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError, match="profile file not found"):
        load_profile(tmp_path / "nope.json")


def test_profile_not_in_utf8_names_line_and_column(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes('{"outputs": {"A": "1"},\n "description": "Jos\xe9"}'.encode("cp1252"))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value).startswith(f"{path}: line 2, column 21: byte 0xE9 is not UTF-8")
    assert (info.value.problems[0].line, info.value.column) == (2, 21)


def test_a_child_that_removes_every_output_is_an_error(tmp_path):
    write(tmp_path, "base", {"outputs": {"A": "jawOpen", "B": "1"}})
    child = write(tmp_path, "child", {"extends": "base.json", "outputs": {"A": None, "B": None}})
    with pytest.raises(ProfileError, match="removes every output it inherits, so it would send nothing") as info:
        load_profile(child)
    assert info.value.pointer == "/outputs" and info.value.file == child


def test_the_output_limit_counts_the_resolved_profile(tmp_path):
    write(tmp_path, "base", {"outputs": {f"A{i}": "jawOpen" for i in range(200)}})
    ok = write(tmp_path, "ok", {"extends": "base.json", "outputs": {f"B{i}": "1" for i in range(56)}})
    assert len(load_profile(ok).output_names) == 256
    big = write(tmp_path, "big", {"extends": "base.json", "outputs": {f"B{i}": "1" for i in range(57)}})
    with pytest.raises(ProfileError, match="257 outputs, more than the limit of 256"):
        load_profile(big)
