"""The ``profiles`` CLI through ``register()`` on a fresh argparse parser."""

from __future__ import annotations

import argparse
import json

import pytest

from vtbridge import paths
from vtbridge.mapping.commands import register

from .helpers import write


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="vtbridge")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_ok_and_failures(tmp_path, capsys):
    good = write(tmp_path, "good", {"outputs": {"A": "jawOpen"}})
    bad = write(tmp_path, "bad", {"outputs": {"A": "jawOpn", "B": "1 +"}})
    code, out, err = run(["profiles", "validate", str(good)], capsys)
    assert code == 0 and "ok:" in out
    code, out, err = run(["profiles", "validate", str(good), str(bad)], capsys)
    assert code == 1
    assert "did you mean jawOpen?" in err and "/outputs/B" in err and "    1 +\n" in err
    assert "1 of 2 profile(s) have problems" in err


def test_validate_all_shipped(capsys):
    names = ["vseeface", "vrm1", "arkit", "arkit-camel", "vtube-studio", "ifacialmocap"]
    code, out, _ = run(["profiles", "validate", *names], capsys)
    assert code == 0 and out.count("ok:") == 6


def test_new_writes_child_and_refuses_overwrite(capsys):
    code, out, err = run(["profiles", "new", "mine", "--from", "vseeface"], capsys)
    assert code == 0, err
    path = paths.user_profiles_dir() / "mine.json"
    doc = json.loads(path.read_text())
    assert doc == {"name": "mine", "description": doc["description"], "extends": "vseeface", "outputs": {}}
    assert [p.name for p in path.parent.iterdir()] == ["mine.json"]  # no temp file left
    path.write_text(json.dumps({**doc, "outputs": {"Joy": "0"}}))
    code, out, err = run(["profiles", "new", "mine", "--from", "arkit"], capsys)
    assert code == 1 and "already exists" in err
    assert json.loads(path.read_text())["outputs"] == {"Joy": "0"}  # untouched


@pytest.mark.parametrize("argv,fragment", [
    (["profiles", "new", "x", "--from", "nosuch"], "cannot extend 'nosuch'"),
    (["profiles", "new", "../evil", "--from", "arkit"], "not a valid profile name"),
])
def test_new_rejects(argv, fragment, capsys):
    code, _, err = run(argv, capsys)
    assert code == 1 and fragment in err


def test_list_shows_user_shadowing(capsys):
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    write(folder, "vrm1", {"description": "tweaked", "outputs": {"aa": "jawOpen"}})
    code, out, _ = run(["profiles", "list"], capsys)
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("vrm1 "))
    assert "[user, shadows shipped]" in line and "tweaked" in line
    assert any(l.startswith("vseeface ") and "[shipped]" in l for l in out.splitlines())


def test_show_prints_merged_json(tmp_path, capsys):
    write(tmp_path, "base", {"outputs": {"A": "1", "B": "2"}})
    child = write(tmp_path, "child", {"name": "c", "extends": "base.json", "outputs": {"B": {"expr": "3"}, "A": None}})
    code, out, err = run(["profiles", "show", str(child)], capsys)
    assert code == 0
    assert json.loads(out) == {"name": "c", "description": "", "outputs": {"B": {"expr": "3"}}}
    code, out, err = run(["profiles", "show", "nosuch"], capsys)
    assert code == 1 and "no profile named 'nosuch'" in err


def test_bare_profiles_prints_usage(capsys):
    code, _, err = run(["profiles"], capsys)
    assert code == 2 and "validate" in err
