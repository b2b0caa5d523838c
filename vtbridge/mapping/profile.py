"""Mapping profiles: find them by name or path, follow ``extends``, check every expression, compile once.

A ``Profile`` is immutable and cheap to share; ``Profile.mapper()`` gives the stateful per-pipeline evaluator.
User profiles (``paths.user_profiles_dir()``) shadow shipped ones of the same name, so a user can customise
``vseeface`` without touching the install. See docs/profiles.md for the file format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vtbridge import paths
from vtbridge.mapping import expr as ex
from vtbridge.mapping.compiler import INPUT_NAMES, INPUT_SLOTS, Mapper, Plan, benchmark_profile, compile_expr
from vtbridge.mapping.document import Document, OutputSpec, read_document, read_json
from vtbridge.mapping.problem import Problem, ProfileError, pointer, suggest

__all__ = ["Profile", "ProfileError", "ProfileInfo", "benchmark_profile", "list_profiles", "load_profile",
           "resolve_profile_path"]

MAX_EXTENDS_DEPTH = 16
#: Outputs in one resolved profile. Receivers want a few dozen (ARKit has 52, VTube Studio allows 100 custom
#: parameters); thousands would make VMC send hundreds of datagrams per frame to every target.
MAX_OUTPUTS = 256
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ProfileInfo(NamedTuple):
    name: str
    path: Path
    description: str
    origin: str  # "shipped" | "user"


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.lower().endswith(".json")


def valid_profile_name(name: str) -> bool:
    """Profile names are file stems: letters, digits, '_', '.', '-' (no path separators)."""
    return bool(_NAME_RE.match(name)) and not name.lower().endswith(".json")


def resolve_profile_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A profile name (user folder first, then shipped) or a path (relative to ``relative_to`` when given) -> the
    file. Raises ProfileError with a suggestion when nothing matches."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        if not path.is_file():
            raise ProfileError(Problem(path, "profile file not found; check the path"))
        return path.resolve()
    for folder in (paths.user_profiles_dir(), paths.shipped_profiles_dir()):
        candidate = folder / f"{text}.json"
        if candidate.is_file():
            return candidate.resolve()
    names = [info.name for info in list_profiles()]
    hint = suggest(text, names) or f"available: {', '.join(names) or 'none'}"
    raise ProfileError(Problem(text, f"no profile named {text!r}: {hint} (or give a path to a .json file)"))


def list_profiles() -> list[ProfileInfo]:
    """All profiles by name; a user profile shadows a shipped one of the same name. Never raises for a broken
    file: its description says what is wrong."""
    found: dict[str, ProfileInfo] = {}
    for origin, folder in (("shipped", paths.shipped_profiles_dir()), ("user", paths.user_profiles_dir())):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.name == "schema.json":
                continue
            try:
                data = read_json(path)
                desc = data.get("description", "") if isinstance(data, dict) else ""
                desc = desc if isinstance(desc, str) else ""
            except ProfileError as err:
                desc = f"(broken: {err.problems[0].message})"
            found[path.stem] = ProfileInfo(path.stem, path, desc, origin)
    return sorted(found.values(), key=lambda info: info.name.lower())


@dataclass(frozen=True)
class _Merged:
    specs: dict  # name -> OutputSpec, in output order
    removed: dict  # name -> file that removed it


def _load_chain(name_or_path) -> list[Document]:
    """Documents from the root ancestor down to the requested profile."""
    chain: list[Document] = []
    path = resolve_profile_path(name_or_path)
    seen: list[Path] = []
    while True:
        if path in seen:
            loop = " -> ".join(p.name for p in seen + [path])
            raise ProfileError(Problem(chain[-1].path, f"extends loop: {loop}; one of them must not extend the "
                                                       "other", "/extends"))
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise ProfileError(Problem(path, f"extends chain longer than {MAX_EXTENDS_DEPTH} files", "/extends"))
        seen.append(path)
        doc = read_document(path)
        chain.append(doc)
        if doc.extends is None:
            break
        try:
            path = resolve_profile_path(doc.extends, relative_to=doc.path.parent)
        except ProfileError as err:
            raise ProfileError(Problem(doc.path, f"extends: {err.problems[0].message}", "/extends")) from None
    chain.reverse()
    return chain


def _merge(chain: list[Document], problems: list[Problem]) -> _Merged:
    specs: dict[str, OutputSpec] = {}
    removed: dict[str, Path] = {}
    for doc in chain:
        for name, spec in doc.outputs.items():
            if spec is None:
                if name in specs:
                    del specs[name]
                    removed[name] = doc.path
                else:
                    hint = suggest(name, specs) or "nothing to remove"
                    problems.append(Problem(doc.path, f"cannot remove {name!r}: no parent profile defines it; "
                                                      f"{hint}", pointer("outputs", name)))
            else:
                specs[name] = spec
                removed.pop(name, None)
    return _Merged(specs, removed)


def _check_count(chain: list[Document], merged: _Merged, problems: list[Problem]) -> None:
    """A profile that sends nothing (the avatar would freeze) or far too much is an error, also on hot reload."""
    top = chain[-1]
    if not merged.specs and not problems:
        if top.extends is None:
            why = "has no outputs and no \"extends\", so it would send nothing"
        else:
            why = "removes every output it inherits, so it would send nothing"
        problems.append(Problem(top.path, f"this profile {why}; add outputs, e.g. \"outputs\": {{\"JawOpen\": "
                                          f"\"jawOpen\"}}, or \"extends\": \"vseeface\"", "/outputs"))
    elif len(merged.specs) > MAX_OUTPUTS:
        problems.append(Problem(top.path, f"{len(merged.specs)} outputs, more than the limit of {MAX_OUTPUTS}; a "
                                          "receiver needs a few dozen (ARKit has 52): remove the ones it does not "
                                          "read", "/outputs"))


def _resolve_names(spec: OutputSpec, tree, merged: _Merged, problems: list[Problem]) -> set[str] | None:
    """Check names in one expression; returns the outputs it depends on (None when it has errors)."""
    deps: set[str] = set()
    ok = True
    for node in ex.walk(tree):
        if not isinstance(node, ex.Name):
            continue
        if not node.output_only and node.name in INPUT_SLOTS:
            continue
        if node.name in merged.specs:
            deps.add(node.name)
            continue
        ok = False
        if node.name in merged.removed:
            msg = f"{node.name} was removed by {merged.removed[node.name].name} but is still used here"
        elif node.output_only:
            hint = suggest(node.name, merged.specs) or "'@' only refers to outputs of this profile"
            msg = f"unknown output @{node.name}: {hint}"
        elif node.name in ex.FUNCTIONS:
            msg = f"{node.name} is a function: call it, e.g. {ex.FUNCTIONS[node.name].signature}"
        else:
            hint = suggest(node.name, (*INPUT_NAMES, *merged.specs)) or \
                "inputs are ARKit blendshapes (e.g. jawOpen), head*/gaze* values, face, or output names"
            msg = f"unknown input or output {node.name}: {hint}"
        problems.append(Problem(spec.file, msg, spec.expr_pointer, column=node.col, text=spec.expr))
    return deps if ok else None


def _order(deps: dict[str, set[str]], merged: _Merged, problems: list[Problem]) -> list[str]:
    """Topological order of outputs (iterative DFS); each cycle is reported once with its path."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    for root in deps:
        if root in state:
            continue
        stack = [(root, iter(sorted(deps[root])))]
        state[root] = 1
        while stack:
            name, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif child not in deps or state.get(child) == 2:
                continue
            elif state.get(child) == 1:
                path = [n for n, _ in stack]
                cycle = path[path.index(child):] + [child]
                spec = merged.specs[cycle[0]]
                problems.append(Problem(spec.file, f"outputs depend on each other in a cycle: "
                                                   f"{' -> '.join(cycle)}; break the loop", spec.expr_pointer))
                for n in cycle:
                    state.setdefault(n, 1)
            else:
                state[child] = 1
                stack.append((child, iter(sorted(deps[child]))))
    return order


class Profile:
    """A loaded, checked and compiled profile. Immutable; ``mapper()`` makes a stateful evaluator."""

    def __init__(self, name: str, description: str, path: Path, files: tuple[Path, ...], specs: dict, plan: Plan):
        self.name = name
        self.description = description
        self.path = path
        self.files = files
        self.output_names: tuple[str, ...] = tuple(specs)
        self._specs = specs
        self._plan = plan

    def mapper(self) -> Mapper:
        return Mapper(self._plan, self.output_names, self.name)

    def output_ranges(self) -> dict[str, tuple[float, float]]:
        """(lo, hi) of every output that declares a ``clamp``: the range a receiver should expect (VTube Studio
        custom parameters are created with it)."""
        return {name: tuple(spec.options.clamp) for name, spec in self._specs.items() if spec.options.clamp}

    def outputs_json(self) -> dict:
        """Merged outputs as written in the files (child overrides applied) — what ``profiles show`` prints."""
        return {name: spec.raw for name, spec in self._specs.items()}

    def to_json(self) -> dict:
        """A standalone profile equivalent to this one (no ``extends``)."""
        return {"name": self.name, "description": self.description, "outputs": self.outputs_json()}

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, {len(self.output_names)} outputs, {self.path})"


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a shipped/user profile by name, or a .json file by path. Raises ProfileError listing all problems."""
    chain = _load_chain(name_or_path)
    problems: list[Problem] = []
    merged = _merge(chain, problems)
    _check_count(chain, merged, problems)
    trees, deps = {}, {}
    for name, spec in merged.specs.items():
        try:
            tree = ex.parse(spec.expr)
            ex.check_calls(tree)
        except ex.ExprError as err:
            msg = err.message + (f"; {err.hint}" if err.hint else "")
            problems.append(Problem(spec.file, msg, spec.expr_pointer, column=err.column, text=spec.expr))
            continue
        found = _resolve_names(spec, tree, merged, problems)
        if found is not None:
            trees[name], deps[name] = tree, found
    order = _order(deps, merged, problems)
    if problems:
        raise ProfileError(problems)
    slots: dict[str, int] = {}
    steps = []

    def slot_of(node: ex.Name) -> int:
        if not node.output_only and node.name in INPUT_SLOTS:
            return INPUT_SLOTS[node.name]
        return slots[node.name]

    for name in order:
        compiled = compile_expr(trees[name], slot_of)
        options = merged.specs[name].options
        if compiled[0] == "l" and options.is_identity:
            slots[name] = compiled[1]  # a plain copy: alias the slot, no work per frame
            continue
        slots[name] = len(INPUT_NAMES) + len(steps)
        steps.append((compiled, options))
    plan = Plan(tuple(steps), tuple(slots[name] for name in merged.specs))
    top = chain[-1]
    return Profile(top.name, top.description, top.path, tuple(doc.path for doc in chain), merged.specs, plan)


def dump_json(profile: Profile) -> str:
    return json.dumps(profile.to_json(), indent=2, ensure_ascii=False)
