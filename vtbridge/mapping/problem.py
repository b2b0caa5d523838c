"""Profile errors that point at the place: file, JSON pointer, line/column, and a caret under the expression.

A user edits profiles by hand while the pipeline hot-reloads them, so each problem must say exactly where it is
and how to fix it. One ``ProfileError`` carries every problem found in a file (``validate`` prints them all);
``str(err)`` is the first one on a single line starting with the file path, as ``vtbridge.errors`` requires.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from vtbridge.errors import ConfigError


def pointer(*parts) -> str:
    """RFC 6901 JSON pointer from path parts (``~`` and ``/`` in keys are escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def suggest(word: str, candidates, what: str = "") -> str | None:
    """'did you mean X?' for the closest candidate, or None."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {what}{close[0]}?" if close else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong. ``column`` is 1-based within ``text`` (the expression) or within ``line`` of the file."""

    file: Path | str | None
    message: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    text: str | None = None

    def one_line(self) -> str:
        where = [str(self.file) if self.file is not None else "<profile>"]
        if self.pointer:
            where.append(self.pointer)
        if self.line is not None:
            where.append(f"line {self.line}, column {self.column}")
        elif self.column is not None:
            where.append(f"column {self.column}")
        return ": ".join(where) + ": " + self.message

    def long(self) -> str:
        """Multi-line form: the one-line message, then the expression with a caret under the column."""
        if self.text is None or self.column is None:
            return self.one_line()
        text = self.text.replace("\n", " ").replace("\t", " ")
        col = max(1, min(self.column, len(text) + 1))
        start = max(0, col - 60)
        snippet = text[start:start + 100]
        return f"{self.one_line()}\n    {snippet}\n    {' ' * (col - 1 - start)}^"


class ProfileError(ConfigError):
    """A profile cannot be loaded. ``problems`` lists every problem found; ``str()`` is the first, one line."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        first = self.problems[0].one_line()
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))

    @property
    def file(self):
        return self.problems[0].file

    @property
    def pointer(self) -> str:
        return self.problems[0].pointer

    @property
    def column(self) -> int | None:
        return self.problems[0].column

    def details(self) -> str:
        """Every problem in the multi-line form (with caret lines), for ``vtbridge profiles validate``."""
        return "\n".join(p.long() for p in self.problems)
