"""The expression language of mapping profiles: tokenizer, Pratt parser and the function table.

Profiles are user-edited files that are hot-reloaded into a running pipeline, so expressions are parsed by our own
small grammar (never Python ``eval``): a typo can only produce a clear error with a column, never run code.
Parsing yields a tiny immutable AST; ``vtbridge.mapping.compiler`` turns it into fast closures.

Grammar (lowest to highest precedence)::

    comparison  <  <=  >  >=  ==  !=    (left-assoc, give 1.0 or 0.0)
    additive    +  -                     (left-assoc)
    multiply    *  /                     (left-assoc; x / 0 = 0)
    unary       -x  +x
    power       ^                        (right-assoc, binds tighter than unary minus: -x^2 = -(x^2))
    primary     number | name | @name | func(args) | ( expr )
"""

from __future__ import annotations

from dataclasses import dataclass

#: Longest expression accepted (characters) and deepest nesting (parser recursion / AST depth). Generous for real
#: profiles, small enough that a pasted blob fails with a clear message instead of a RecursionError.
MAX_EXPR_LENGTH = 2000
MAX_DEPTH = 100


class ExprError(Exception):
    """A syntax or name error in one expression; ``column`` is 1-based, ``hint`` an optional fix suggestion."""

    def __init__(self, message: str, column: int, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint


@dataclass(frozen=True)
class FunctionSpec:
    """A built-in function: arity bounds (``max_args`` None = variadic) and the signature shown in docs/errors."""

    name: str
    min_args: int
    max_args: int | None
    signature: str


FUNCTIONS: dict[str, FunctionSpec] = {
    f.name: f
    for f in (
        FunctionSpec("min", 2, None, "min(a, b, ...)"),
        FunctionSpec("max", 2, None, "max(a, b, ...)"),
        FunctionSpec("clamp", 3, 3, "clamp(x, lo, hi)"),
        FunctionSpec("abs", 1, 1, "abs(x)"),
        FunctionSpec("remap", 5, 5, "remap(x, in_lo, in_hi, out_lo, out_hi)"),
        FunctionSpec("lerp", 3, 3, "lerp(a, b, t)"),
        FunctionSpec("smoothstep", 3, 3, "smoothstep(edge0, edge1, x)"),
        FunctionSpec("step", 2, 2, "step(edge, x)"),
    )
}

# --- AST -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float
    col: int
    depth: int = 1


@dataclass(frozen=True)
class Name:
    """A reference to an input or output. ``output_only`` is set by the ``@name`` form, which always means the
    profile output called ``name`` even when an input has the same name."""

    name: str
    col: int
    output_only: bool = False
    depth: int = 1


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object
    col: int
    depth: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    col: int
    depth: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple
    col: int
    depth: int


Node = Num | Name | Unary | Binary | Call

# --- tokenizer -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "num" | "name" | "ref" | "op" | "end"
    text: str
    col: int


_TWO_CHAR_OPS = ("<=", ">=", "==", "!=")
_ONE_CHAR_OPS = "+-*/^(),<>"


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_name_char(ch: str) -> bool:
    return _is_name_start(ch) or ("0" <= ch <= "9")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token. Columns are 1-based."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        start = i
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            while i < n and text[i].isdigit():
                i += 1
            if i < n and text[i] == ".":
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isdigit():
                    i = j
                    while i < n and text[i].isdigit():
                        i += 1
            if i < n and _is_name_char(text[i]):
                raise ExprError(f"malformed number {text[start:i + 1]!r}", start + 1,
                                "put an operator between a number and a name, e.g. 2*x")
            tokens.append(Token("num", text[start:i], start + 1))
        elif _is_name_start(ch) or ch == "@":
            i += 1 if ch == "@" else 0
            if i >= n or not _is_name_start(text[i]):
                raise ExprError("'@' must be followed by an output name", start + 1, "write e.g. @Blink_L")
            j = i
            while j < n and _is_name_char(text[j]):
                j += 1
            tokens.append(Token("ref" if ch == "@" else "name", text[i:j], start + 1))
            i = j
        elif text[i:i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token("op", text[i:i + 2], start + 1))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("op", ch, start + 1))
            i += 1
        else:
            hint = None
            if ch == "=":
                hint = "use '==' to compare"
            elif ch in "&|!":
                hint = "there are no logical operators; combine comparisons with min/max or *"
            raise ExprError(f"unexpected character {ch!r}", start + 1, hint)
    tokens.append(Token("end", "", n + 1))
    return tokens


# --- parser ----------------------------------------------------------------------------------------------------

#: Infix operators: (left binding power, right binding power). Right-assoc '^' has right < left.
_INFIX = {
    "<": (1, 2), "<=": (1, 2), ">": (1, 2), ">=": (1, 2), "==": (1, 2), "!=": (1, 2),
    "+": (3, 4), "-": (3, 4),
    "*": (5, 6), "/": (5, 6),
    "^": (10, 9),
}
_PREFIX_BP = 7


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0
        self.nesting = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str, opened: Token | None = None) -> None:
        tok = self.peek()
        if tok.kind == "op" and tok.text == text:
            self.pos += 1
            return
        found = "end of expression" if tok.kind == "end" else repr(tok.text)
        where = f" to close '(' at column {opened.col}" if opened is not None else ""
        raise ExprError(f"expected {text!r}{where}, found {found}", tok.col)

    def enter(self, col: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExprError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", col,
                            "split it into several outputs and reference them by name")

    def parse(self) -> Node:
        node = self.expr(0)
        tok = self.peek()
        if tok.kind != "end":
            hint = "a ',' is only allowed between function arguments" if tok.text == "," else \
                "is an operator missing?"
            raise ExprError(f"unexpected {tok.text!r}", tok.col, hint)
        return node

    def expr(self, min_bp: int) -> Node:
        self.enter(self.peek().col)
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok.kind != "op" or tok.text not in _INFIX:
                if tok.kind in ("num", "name", "ref"):
                    raise ExprError(f"unexpected {tok.text!r}", tok.col, "is an operator missing?")
                break
            lbp, rbp = _INFIX[tok.text]
            if lbp < min_bp:
                break
            self.pos += 1
            right = self.expr(rbp)
            left = _make(Binary, tok.text, left, right, col=tok.col)
        self.nesting -= 1
        return left

    def prefix(self) -> Node:
        tok = self.next()
        if tok.kind == "num":
            return Num(float(tok.text), tok.col)
        if tok.kind == "ref":
            return Name(tok.text, tok.col, output_only=True)
        if tok.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            return Name(tok.text, tok.col)
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.enter(tok.col)
            operand = self.expr(_PREFIX_BP)
            self.nesting -= 1
            return operand if tok.text == "+" else _make(Unary, "-", operand, col=tok.col)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expr(0)
            self.expect(")", opened=tok)
            return inner
        found = "end of expression" if tok.kind == "end" else repr(tok.text)
        raise ExprError(f"expected a number, name or '(', found {found}", tok.col)

    def call(self, name_tok: Token) -> Node:
        open_tok = self.next()
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                args.append(self.expr(0))
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.pos += 1
                    continue
                break
        self.expect(")", opened=open_tok)
        return _make(Call, name_tok.text, tuple(args), col=name_tok.col)


def _make(cls, op: str, *children, col: int) -> Node:
    """Build an inner node, tracking AST depth (evaluation recursion) against ``MAX_DEPTH``."""
    kids = children[0] if cls is Call else children
    depth = 1 + max((k.depth for k in kids), default=0)
    if depth > MAX_DEPTH:
        raise ExprError(f"expression too deep (more than {MAX_DEPTH} nested operations)", col,
                        "split it into several outputs and reference them by name")
    if cls is Unary:
        return Unary(op, children[0], col, depth)
    if cls is Binary:
        return Binary(op, children[0], children[1], col, depth)
    return Call(op, kids, col, depth)


def parse(text: str) -> Node:
    """Parse one expression. Raises ``ExprError`` (with a column) for anything malformed or oversized."""
    if not isinstance(text, str):
        raise ExprError("expression must be a string", 1)
    if len(text) > MAX_EXPR_LENGTH:
        raise ExprError(f"expression is {len(text)} characters long (limit {MAX_EXPR_LENGTH})", MAX_EXPR_LENGTH + 1,
                        "split it into several outputs and reference them by name")
    if not text.strip():
        raise ExprError("expression is empty", 1, "write e.g. \"jawOpen\" or \"0\"")
    return _Parser(text).parse()


def walk(node: Node):
    """Yield every node of the tree (iteratively: depth is bounded but this costs nothing)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.right, n.left))
        elif isinstance(n, Call):
            stack.extend(reversed(n.args))


def check_calls(node: Node) -> None:
    """Reject unknown functions and wrong argument counts (raises ``ExprError`` at the call's column)."""
    import difflib

    for n in walk(node):
        if not isinstance(n, Call):
            continue
        spec = FUNCTIONS.get(n.func)
        if spec is None:
            close = difflib.get_close_matches(n.func, list(FUNCTIONS), n=1)
            hint = f"did you mean {close[0]}?" if close else f"functions: {', '.join(FUNCTIONS)}"
            raise ExprError(f"unknown function {n.func}: {hint}", n.col)
        count = len(n.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            if spec.max_args is None:
                want = f"at least {spec.min_args}"
            else:
                want = str(spec.min_args)
            raise ExprError(f"{n.func} takes {want} argument{'s' if want != '1' else ''}, got {count}", n.col,
                            f"usage: {spec.signature}")
