"""Tokenizer, parser, precedence, functions, arity and evaluation edge cases of the expression language."""

from __future__ import annotations

import math

import pytest

from vtbridge.mapping import expr as ex
from vtbridge.mapping.compiler import INPUT_NAMES, INPUT_SLOTS, compile_expr, _as_fn


def ev(text: str, **inputs) -> float:
    """Parse, check and evaluate with named inputs (others 0)."""
    tree = ex.parse(text)
    ex.check_calls(tree)
    v = [0.0] * len(INPUT_NAMES)
    for name, value in inputs.items():
        v[INPUT_SLOTS[name]] = value
    return _as_fn(compile_expr(tree, lambda node: INPUT_SLOTS[node.name]))(v)


def test_tokenize_kinds_and_columns():
    toks = ex.tokenize("1.5e2*@Blink_L<=x")
    assert [(t.kind, t.text, t.col) for t in toks] == [
        ("num", "1.5e2", 1), ("op", "*", 6), ("ref", "Blink_L", 7), ("op", "<=", 15), ("name", "x", 17),
        ("end", "", 18)]


@pytest.mark.parametrize("text,expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4), ("(-2) ^ 2", 4),
    ("2 ^ -1", 0.5), ("10 - 4 - 3", 3), ("8 / 4 / 2", 1), ("1 + 2 < 4", 1), ("3 == 3", 1), ("3 != 3", 0),
    ("2 >= 3", 0), ("2 <= 2", 1), ("2 > 1", 1), ("--3", 3), ("+2", 2), (".5 * 4", 2), ("1e-1 * 10", 1),
    ("2 * -3", -6), ("1 - -1", 2),
])
def test_precedence_and_constants(text, expected):
    assert ev(text) == pytest.approx(expected)


def test_division_by_zero_is_zero_and_bad_power_is_zero():
    assert ev("1 / 0") == 0
    assert ev("jawOpen / mouthClose", jawOpen=1.0) == 0
    assert ev("(-8) ^ 0.5") == 0
    assert ev("0 ^ -1") == 0
    assert ev("jawOpen ^ 0.5", jawOpen=-4.0) == 0
    assert math.isfinite(ev("10 ^ jawOpen", jawOpen=1000.0))


@pytest.mark.parametrize("text,expected", [
    ("min(3, 1, 2)", 1), ("max(3, 1, 2)", 3), ("min(jawOpen, 0.5)", 0.25), ("max(jawOpen, 0.5)", 0.5),
    ("clamp(5, 0, 1)", 1), ("clamp(-5, 0, 1)", 0), ("clamp(jawOpen, 0, 1)", 0.25), ("abs(-2)", 2),
    ("remap(jawOpen, 0, 0.5, 0, 10)", 5), ("remap(2, 0, 1, 0, 10)", 10), ("remap(-1, 0, 1, 0, 10)", 0),
    ("remap(1, 1, 1, 3, 7)", 3), ("remap(0.5, 1, 0, 0, 10)", 5), ("lerp(0, 10, 0.25)", 2.5),
    ("lerp(0, 10, 2)", 20), ("smoothstep(0, 1, 0.5)", 0.5), ("smoothstep(0, 1, -1)", 0),
    ("smoothstep(0, 1, 2)", 1), ("smoothstep(1, 1, 1)", 1), ("step(0.5, 0.4)", 0), ("step(0.5, 0.5)", 1),
    ("step(0.5, jawOpen)", 0),
])
def test_functions(text, expected):
    assert ev(text, jawOpen=0.25) == pytest.approx(expected)


def test_names_read_inputs():
    assert ev("headYaw * 2 + face", headYaw=10.0, face=1.0) == 21
    assert ev("gazeRightPitch - eyeBlinkLeft", gazeRightPitch=3.0, eyeBlinkLeft=1.0) == 2


@pytest.mark.parametrize("text,fragment,column", [
    ("clamp(1, 2)", "clamp takes 3 arguments, got 2", 1),
    ("abs(1, 2)", "abs takes 1 argument, got 2", 1),
    ("min(1)", "min takes at least 2 arguments, got 1", 1),
    ("1 + clmap(1, 0, 1)", "unknown function clmap: did you mean clamp?", 5),
])
def test_arity_and_unknown_function(text, fragment, column):
    tree = ex.parse(text)
    with pytest.raises(ex.ExprError) as info:
        ex.check_calls(tree)
    assert fragment in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize("text,fragment,column", [
    ("1 +", "found end of expression", 4),
    ("(1 + 2", "expected ')' to close '(' at column 1", 7),
    ("1 + 2)", "unexpected ')'", 6),
    ("2 x", "unexpected 'x'", 3),
    ("a = b", "unexpected character '='", 3),
    ("a && b", "unexpected character '&'", 3),
    ("2x", "malformed number", 1),
    ("@", "'@' must be followed by an output name", 1),
    ("", "expression is empty", 1),
    ("   ", "expression is empty", 1),
    ("min(1,)", "found ')'", 7),
    ("1 , 2", "unexpected ','", 3),
])
def test_syntax_errors_have_columns(text, fragment, column):
    with pytest.raises(ex.ExprError) as info:
        ex.parse(text)
    assert fragment in info.value.message
    assert info.value.column == column


def test_limits_give_clear_errors_not_recursion_errors():
    with pytest.raises(ex.ExprError, match="nested too deeply"):
        ex.parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ex.ExprError, match="nested too deeply"):
        ex.parse("-" * 500 + "1")
    with pytest.raises(ex.ExprError, match="too deep"):
        ex.parse(" + ".join(["jawOpen"] * 150))
    with pytest.raises(ex.ExprError, match="characters long"):
        ex.parse("1" + " + 1" * 1000)
    # a realistic long sum still parses
    assert ex.parse(" + ".join(["jawOpen"] * 60)).depth == 60


def test_output_reference_syntax():
    tree = ex.parse("@eyeBlinkLeft + eyeBlinkLeft")
    names = [n for n in ex.walk(tree) if isinstance(n, ex.Name)]
    assert [(n.name, n.output_only) for n in names] == [("eyeBlinkLeft", True), ("eyeBlinkLeft", False)]
