"""Syntax the target Python does not accept, found on the tree the engine already parsed.

`ast.parse(feature_version=...)` misses constructs and misses different ones on each interpreter
(3.13 no longer rejects parenthesized context managers for 3.8; no version rejects PEP 701
f-strings for 3.11), so each construct that arrived after 3.7 is recognised here on the one shared
tree, with its own line and column. PEP 701 f-strings are recognised from the source text.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from .._source import SourceFile

Version = tuple[int, int]
PREFIX_CHARS = frozenset("rRbBuUfFtT")


@dataclass(frozen=True)
class NewSyntax:
    line: int
    col: int  # 1-based, characters
    feature: str
    version: Version


def newer_syntax(source: SourceFile, target: Version, running: Version) -> list[NewSyntax]:
    """Constructs of the (parsed) file that need a newer Python than `target`, in file order."""
    if source.tree is None or target >= running:
        return []
    found = [f for f in _tree_features(source) if f.version > target]
    if running >= (3, 12) and target < (3, 12):  # pragma: no cover - Python 3.12+
        found.extend(pep701_fstrings(source))
    found.sort(key=lambda f: (f.line, f.col))
    return found


def _at(source: SourceFile, node: ast.AST, feature: str, version: Version) -> NewSyntax:
    line = getattr(node, "lineno", 1)
    return NewSyntax(line, source.char_col(line, getattr(node, "col_offset", 0)), feature, version)


def _parenthesized(source: SourceFile, node: ast.AST) -> bool:
    """Whether the code right before the node (ignoring blanks) is an opening parenthesis."""
    line = source.line_text(node.lineno).encode("utf-8")[: node.col_offset]  # type: ignore[attr-defined]
    return line.rstrip().endswith(b"(")


def _is_dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _tree_features(source: SourceFile) -> Iterator[NewSyntax]:
    for node in source.nodes(ast.NamedExpr):
        yield _at(source, node, "assignment expressions (:=)", (3, 8))
    for node in source.nodes(ast.Subscript):
        sub = node.slice  # type: ignore[attr-defined]
        elts = sub.elts if isinstance(sub, ast.Tuple) and not source.segment(sub).startswith("(") else [sub]
        for elt in elts:
            if isinstance(elt, ast.NamedExpr) and not _parenthesized(source, elt):
                yield _at(source, elt, "an unparenthesized := in a subscript", (3, 10))
            elif isinstance(elt, ast.Starred):
                yield _at(source, elt, "star expressions in subscripts (a[*b])", (3, 11))
    for node in source.nodes(ast.Set):
        for elt in node.elts:  # type: ignore[attr-defined]
            if isinstance(elt, ast.NamedExpr) and not _parenthesized(source, elt):
                yield _at(source, elt, "an unparenthesized := in a set", (3, 9))
    for node in source.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        args: ast.arguments = node.args  # type: ignore[attr-defined]
        if args.posonlyargs:
            yield _at(source, args.posonlyargs[0], "positional-only parameters (/)", (3, 8))
        if args.vararg is not None and isinstance(args.vararg.annotation, ast.Starred):
            yield _at(source, args.vararg.annotation, "star annotations (*args: *Ts)", (3, 11))
        if isinstance(node, ast.Lambda):
            continue
        for deco in node.decorator_list:  # type: ignore[attr-defined]
            yield from _decorator(source, deco)
        yield from _type_params(source, node)
    for node in source.nodes(ast.ClassDef):
        for deco in node.decorator_list:  # type: ignore[attr-defined]
            yield from _decorator(source, deco)
        yield from _type_params(source, node)
    for node in source.nodes(ast.Return, ast.Yield):
        value = node.value  # type: ignore[attr-defined]
        if isinstance(value, ast.Tuple) and any(isinstance(e, ast.Starred) for e in value.elts):
            if not source.segment(value).startswith("("):
                yield _at(source, value, "unparenthesized star expressions in return/yield", (3, 8))
    for node in source.nodes(ast.For, ast.AsyncFor):
        it = node.iter  # type: ignore[attr-defined]
        if isinstance(it, ast.Tuple) and any(isinstance(e, ast.Starred) for e in it.elts):
            if not source.segment(it).startswith("("):
                yield _at(source, it, "unparenthesized star expressions after for ... in", (3, 9))
    for node in source.nodes(ast.With, ast.AsyncWith):
        found = _parenthesized_with(source, node)  # type: ignore[arg-type]
        if found is not None:
            yield found
    match_type = getattr(ast, "Match", None)
    if match_type is not None:
        for node in source.nodes(match_type):
            yield _at(source, node, "match statements", (3, 10))
    try_star = getattr(ast, "TryStar", None)
    if try_star is not None:
        for node in source.nodes(try_star):
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield _at(source, handler, "except* (exception groups)", (3, 11))
    type_alias = getattr(ast, "TypeAlias", None)
    if type_alias is not None:  # pragma: no cover - Python 3.12+
        for node in source.nodes(type_alias):
            yield _at(source, node, "type statements", (3, 12))
    template = getattr(ast, "TemplateStr", None)
    if template is not None:  # pragma: no cover - Python 3.14
        for node in source.nodes(template):
            yield _at(source, node, "template strings (t'...')", (3, 14))
    if getattr(ast, "TemplateStr", None) is not None:  # pragma: no cover - Python 3.14
        for node in source.nodes(ast.ExceptHandler):
            kind = node.type  # type: ignore[attr-defined]
            if isinstance(kind, ast.Tuple) and not source.segment(kind).startswith("("):
                yield _at(source, kind, "except with unparenthesized types", (3, 14))


def _decorator(source: SourceFile, deco: ast.expr) -> Iterator[NewSyntax]:
    target = deco.func if isinstance(deco, ast.Call) else deco
    if not _is_dotted(target):
        yield _at(source, deco, "decorators that are not a dotted name or call", (3, 9))


def _type_params(source: SourceFile, node: ast.AST) -> Iterator[NewSyntax]:
    params = getattr(node, "type_params", None) or []
    if params:  # pragma: no cover - Python 3.12+
        yield _at(source, params[0], "type parameter lists", (3, 12))
        for param in params:
            if getattr(param, "default_value", None) is not None:
                yield _at(source, param, "type parameter defaults", (3, 13))


def _parenthesized_with(source: SourceFile, node: ast.With | ast.AsyncWith) -> NewSyntax | None:
    """`with (open(a) as f, open(b) as g):` — an `as` inside the parentheses needs 3.9."""
    if not any(item.optional_vars is not None for item in node.items):
        return None
    line = source.line_text(node.lineno)
    start = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
    head = line[start:]
    keyword = "async with" if isinstance(node, ast.AsyncWith) else "with"
    rest = head[len(keyword) :] if head.startswith(keyword) else ""
    if not rest.lstrip().startswith("("):
        return None
    open_at = (node.lineno, start + len(keyword) + (len(rest) - len(rest.lstrip())))
    close_at = _matching_paren(source, open_at)
    if close_at is None:  # pragma: no cover - the file parsed, so its parenthesis closes
        return None
    for item in node.items:
        var = item.optional_vars
        if var is not None and (var.lineno, var.col_offset) < close_at:
            col = source.char_col(open_at[0], len(line[: open_at[1]].encode("utf-8")))
            return NewSyntax(open_at[0], col, "parenthesized context managers", (3, 9))
    return None


def _matching_paren(source: SourceFile, open_at: tuple[int, int]) -> tuple[int, int] | None:
    """(line, utf-8 byte column) of the parenthesis closing the one at `open_at` (char column)."""
    line_no, char_col = open_at
    lines = source.lines[line_no - 1 :]
    first = lines[0][char_col:]
    text = first + "\n" + "\n".join(lines[1:]) + "\n"
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
                if depth == 0:
                    row, col = tok.start
                    if row == 1:
                        byte_col = len(lines[0][: char_col + col].encode("utf-8"))
                    else:
                        byte_col = len(lines[row - 1][:col].encode("utf-8"))
                    return (line_no + row - 1, byte_col)
    except (tokenize.TokenError, SyntaxError, IndentationError):  # pragma: no cover - as above
        return None
    return None  # pragma: no cover - as above


# --- PEP 701 f-strings ----------------------------------------------------------------------------


def pep701_fstrings(source: SourceFile) -> list[NewSyntax]:
    """f-strings that only Python 3.12+ reads: the enclosing quote reused inside a replacement
    field, a backslash, a comment or a line break inside one."""
    out: list[NewSyntax] = []
    end = (0, 0)
    nodes = sorted(source.nodes(ast.JoinedStr), key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    for node in nodes:
        start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        if start < end:
            continue  # nested in an f-string already scanned
        end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        text = source.segment(node)
        problem = scan_fstrings(text)
        if problem is not None:  # pragma: no cover - only Python 3.12+ parses what the scanner flags
            out.append(_pep701_at(source, node, text, *problem))
    return out


def _pep701_at(
    source: SourceFile, node: ast.AST, text: str, offset: int, why: str
) -> NewSyntax:  # pragma: no cover - Python 3.12+
    """The problem `offset` characters into the f-string's source `text`, as a line and column."""
    before = text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        line = node.lineno  # type: ignore[attr-defined]
        col = source.char_col(line, node.col_offset) + offset  # type: ignore[attr-defined]
    else:
        line = node.lineno + newlines  # type: ignore[attr-defined]
        col = offset - before.rfind("\n")
    return NewSyntax(line, col, f"f-strings with {why} (PEP 701)", (3, 12))


class _Scan:
    """A scanner over the source of one or more adjacent string literals (pre-3.12 f-string rules)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.problem: tuple[int, str] | None = None

    def fail(self, at: int, why: str) -> None:
        if self.problem is None:
            self.problem = (at, why)

    def literals(self) -> None:
        i = 0
        while i < self.n and self.problem is None:
            c = self.text[i]
            if c in " \t\r\n\\(":
                i += 1
            elif c == "#":
                while i < self.n and self.text[i] != "\n":
                    i += 1
            else:
                i = self.string(i, enclosing=())

    def string(self, i: int, enclosing: tuple[str, ...]) -> int:
        """Scan one string literal starting at its prefix; return the index after it."""
        start = i
        while i < self.n and self.text[i] in PREFIX_CHARS:
            i += 1
        prefix = self.text[start:i].lower()
        if i >= self.n or self.text[i] not in "'\"":
            return i + 1
        quote = self.text[i] * 3 if self.text.startswith(self.text[i] * 3, i) else self.text[i]
        for outer in enclosing:
            if quote[0] == outer[0] and (len(outer) == 1 or quote == outer):
                self.fail(i, "the enclosing quote reused inside a replacement field")
        i += len(quote)
        is_f = "f" in prefix
        while i < self.n:
            if self.text.startswith(quote, i):
                return i + len(quote)
            c = self.text[i]
            if c == "\\":
                if enclosing:
                    self.fail(i, "a backslash inside a replacement field")
                i += 2
                continue
            if is_f and c == "{":
                if self.text.startswith("{{", i):
                    i += 2
                    continue
                i = self.field(i + 1, (*enclosing, quote))
                continue
            i += 1
        return i

    def field(self, i: int, enclosing: tuple[str, ...]) -> int:
        """A replacement field after its `{`: the expression, then `!conv`, then `:spec`."""
        depth = 0
        single_line = len(enclosing[-1]) == 1
        while i < self.n and self.problem is None:
            c = self.text[i]
            if c in "'\"":
                j = i
                while j > 0 and self.text[j - 1] in PREFIX_CHARS:
                    j -= 1
                i = self.string(j if j < i and not self.text[j - 1 : j].isalnum() else i, enclosing)
                continue
            if c == "\\":
                self.fail(i, "a backslash inside a replacement field")
            elif c == "#":
                self.fail(i, "a comment inside a replacement field")
            elif c == "\n" and single_line:
                self.fail(i, "a line break inside a replacement field")
            elif c in "([{":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "}":
                if depth == 0:
                    return i + 1
                depth -= 1
            elif depth == 0 and c == "!" and not self.text.startswith("!=", i):
                i += 1
                continue
            elif depth == 0 and c == ":":
                return self.spec(i + 1, enclosing)
            i += 1
        return i

    def spec(self, i: int, enclosing: tuple[str, ...]) -> int:
        while i < self.n and self.problem is None:
            c = self.text[i]
            if c == "{":
                i = self.field(i + 1, enclosing)
                continue
            if c == "}":
                return i + 1
            if self.text.startswith(enclosing[-1], i):
                return i
            i += 1
        return i


def scan_fstrings(text: str) -> tuple[int, str] | None:
    """The first pre-3.12 f-string violation in the source of adjacent string literals, if any."""
    if "{" not in text:
        return None
    scan = _Scan(text)
    scan.literals()
    return scan.problem
