"""CSS understood, not matched as text: blocks and declarations (tinycss2), lengths, colours, selectors.

`parse_chunks` turns stylesheet text (a .css file, a `<style>` block, a `style=""` attribute) into
blocks of declarations that know their selectors, their `@media` context and their file offsets.
tinycss2 is imported only here and only when a chunk is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

ROOT_FONT_PX = 16.0
# CSS absolute-size keywords (CSS Fonts 4, medium = 16px)
FONT_KEYWORDS = {
    "xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
    "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0,
}  # fmt: skip
ABSOLUTE_UNITS = {
    "px": 1.0,
    "pt": 4 / 3,
    "pc": 16.0,
    "in": 96.0,
    "cm": 96 / 2.54,
    "mm": 96 / 25.4,
    "q": 96 / 101.6,
}
WIDE_KEYWORDS = frozenset({"inherit", "initial", "unset", "revert", "revert-layer"})
# at-rules whose blocks hold descriptors, not style declarations
DESCRIPTOR_AT_RULES = frozenset(
    {"font-face", "property", "counter-style", "page", "font-feature-values", "font-palette-values",
     "viewport", "-ms-viewport", "color-profile", "view-transition"}
)  # fmt: skip
GROUPING_AT_RULES = frozenset(
    {"supports", "layer", "container", "document", "-moz-document", "scope", "starting-style"}
)

Node = Any  # a tinycss2 node


def tinycss2() -> Any:
    import tinycss2 as module

    return module


# --- selectors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compound:
    """One compound selector (`a.btn[type=submit]:hover`), as sets so that containment is a subset test."""

    tag: str | None = None
    ids: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    attrs: frozenset[str] = frozenset()  # `name`, or `name<op>value` with quotes removed
    pseudos: frozenset[str] = frozenset()
    nests: bool = False  # contains `&`

    def covers(self, other: Compound) -> bool:
        """Whether every element `other` selects is one this compound selects (as far as parts go)."""
        return (
            (self.tag in (None, "*") or self.tag == other.tag)
            and self.ids <= other.ids
            and self.classes <= other.classes
            and self.attrs <= other.attrs
            and self.pseudos <= other.pseudos
        )

    def merged(self, parent: Compound) -> Compound:
        return Compound(
            self.tag or parent.tag,
            self.ids | parent.ids,
            self.classes | parent.classes,
            self.attrs | parent.attrs,
            self.pseudos | parent.pseudos,
        )


_ATTR_RX = re.compile(
    # a value is required after `=`: with an empty one the `\s*` around it met and a long run of
    # spaces took cubic time
    r"^\[\s*([^\s~|^$*=\]]+)\s*(?:([~|^$*]?=)\s*(\"[^\"]*\"|'[^']*'|[^\s\]\"']+)(?:\s*[is])?\s*)?\]$"
)


def _split_top(text: str, seps: str) -> list[str]:
    """Split at characters in `seps` that are outside (), [] and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and c in seps:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _attr_part(text: str) -> str:
    m = _ATTR_RX.match(text)
    if m is None:
        return re.sub(r"\s+", "", text[1:-1]).lower()
    name, op, value = m.group(1).lower(), m.group(2), m.group(3)
    if not op:
        return name
    if value[:1] in "\"'":
        value = value[1:-1]
    return f"{name}{op}{value}"


def parse_compound(text: str) -> Compound:
    tag: str | None = None
    ids: set[str] = set()
    classes: set[str] = set()
    attrs: set[str] = set()
    pseudos: set[str] = set()
    nests = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            nests = True
            i += 1
        elif c in ".#":
            m = re.compile(r"-?[_a-zA-Z0-9\u00a0-\uffff\\-]+").match(text, i + 1)
            word = m.group(0) if m else ""
            (classes if c == "." else ids).add(word)
            i += 1 + len(word)
        elif c == "[":
            end = _close_of(text, i, "[", "]")
            attrs.add(_attr_part(text[i : end + 1]))
            i = end + 1
        elif c == ":":
            m = re.compile(r"::?-?[_a-zA-Z0-9-]+").match(text, i)
            j = m.end() if m else i + 1
            if j < n and text[j] == "(":
                j = _close_of(text, j, "(", ")") + 1
            pseudos.add(re.sub(r"\s+", "", text[i:j]).lower())
            i = j
        else:
            m = re.compile(r"\*|-?[_a-zA-Z][_a-zA-Z0-9-]*").match(text, i)
            if m is None:
                i += 1
                continue
            tag = m.group(0).lower()
            i = m.end()
    return Compound(tag, frozenset(ids), frozenset(classes), frozenset(attrs), frozenset(pseudos), nests)


def _close_of(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == opening:
            depth += 1
        elif text[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def subject_of(selector: str) -> Compound:
    """The compound an complex selector finally selects: `nav ul > li.active a:hover` -> `a:hover`."""
    parts = [p for p in _split_top(selector.strip(), " \t\n\r\f>+~") if p.strip()]
    return parse_compound(parts[-1].strip()) if parts else Compound()


def selector_list(text: str) -> list[str]:
    """`a, b` -> ['a', 'b']; a rule's `selectors` field may use either form."""
    return [" ".join(s.split()) for s in _split_top(text, ",") if s.strip()]


def element_matches(rule: Compound, tag: str, attrs: dict[str, str]) -> bool:
    if rule.tag not in (None, "*") and rule.tag != tag:
        return False
    if rule.pseudos or rule.nests:
        return False
    if rule.ids and attrs.get("id", "").strip() not in rule.ids:
        return False
    if rule.classes and not rule.classes <= set(attrs.get("class", "").split()):
        return False
    return all(_attr_matches(part, attrs) for part in rule.attrs)


_OP_RX = re.compile(r"^([^~|^$*=]+)([~|^$*]?=)(.*)$")


def _attr_matches(part: str, attrs: dict[str, str]) -> bool:
    m = _OP_RX.match(part)
    if m is None:
        return part in attrs
    name, op, want = m.groups()
    have = attrs.get(name)
    if have is None:
        return False
    if op == "=":
        return have.lower() == want.lower() if name == "type" else have == want
    if op == "~=":
        return want in have.split()
    if op == "^=":
        return have.startswith(want)
    if op == "$=":
        return have.endswith(want)
    if op == "*=":
        return want in have
    return have == want or have.startswith(want + "-")  # |=


# --- media ------------------------------------------------------------------------------------------

# the value keeps its spaces (`_media_px` strips them): `\s*([^)]+?)\s*` was cubic on a run of them
_MEDIA_WIDTH_RX = re.compile(r"\(\s*(max|min)-width\s*:([^)]*)\)")
_MEDIA_RANGE_RX = re.compile(r"\(\s*width\s*(<=|<|>=|>)([^)]*)\)")


def _media_px(text: str) -> float | None:
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(px|em|rem)?", text.strip().lower())
    if m is None:
        return None
    return float(m.group(1)) * (1.0 if m.group(2) in (None, "px") else ROOT_FONT_PX)


def _widths(prelude: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for kind, value in _MEDIA_WIDTH_RX.findall(prelude):
        px = _media_px(value)
        if px is not None:
            out.append((kind, px))
    for op, value in _MEDIA_RANGE_RX.findall(prelude):
        px = _media_px(value)
        if px is not None:
            out.append(("max" if op.startswith("<") else "min", px))
    return out


def normalise_media(text: str) -> str:
    return " ".join(text.lower().split())


def media_within(stack: Sequence[str], condition: str) -> bool:
    """Whether a block under these `@media` preludes lies within `condition`.

    Width conditions are understood as lengths: a block in `(max-width: 600px)` is within
    `(max-width: 768px)`; in `(min-width: 1024px)` it is within `(min-width: 769px)`. Other
    conditions (`print`, `(prefers-color-scheme: dark)`) match as whole words of the prelude.
    """
    wanted = _widths(condition)
    for prelude in stack:
        if wanted:
            have = _widths(prelude)
            if all(
                any(k == kind and (px <= limit if kind == "max" else px >= limit) for k, px in have)
                for kind, limit in wanted
            ):
                return True
        elif re.search(r"(?<![\w-])" + re.escape(normalise_media(condition)) + r"(?![\w-])", prelude):
            if not re.search(r"\bnot\s+" + re.escape(normalise_media(condition)), prelude):
                return True
    return False


# --- the parsed stylesheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    text: str
    subject: Compound


@dataclass(eq=False)
class Block:
    """One rule block (or one `style=""` attribute) and its declarations."""

    selectors: tuple[Selector, ...]
    media: tuple[str, ...]
    element: Any = None  # hooks._web.markup.Element for a style attribute
    at_rule: str | None = None  # e.g. 'keyframes'
    decls: list[Decl] = field(default_factory=list)

    def last(self, *names: str) -> Decl | None:
        found = [d for d in self.decls if d.name in names and not d.dynamic]
        return found[-1] if found else None

    @property
    def label(self) -> str:
        if self.element is not None:
            return f"<{self.element.tag} style>"
        return ", ".join(s.text for s in self.selectors) or (f"@{self.at_rule}" if self.at_rule else "")


@dataclass(eq=False)
class Decl:
    name: str  # lower-cased, except custom properties (case-sensitive)
    value: list[Node]
    important: bool
    offset: int  # file offset of the property name
    block: Block
    chunk: Chunk
    dynamic: bool = False  # template output inside: the value is not known here

    def offset_of(self, node: Node) -> int:
        return self.chunk.file_offset(node.source_line, node.source_column)

    @property
    def text(self) -> str:
        return " ".join(tinycss2().serialize(self.value).split())


@dataclass(eq=False)
class Chunk:
    """Stylesheet text somewhere in a file; `to_file` maps offsets in `text` to offsets in the file."""

    text: str
    to_file: Callable[[int], int]
    media: tuple[str, ...] = ()
    element: Any = None  # set for a style attribute
    dynamic: tuple[tuple[int, int], ...] = ()  # template output spans, offsets in `text`
    _lines: list[int] | None = None

    def offset(self, line: int, column: int) -> int:
        if self._lines is None:
            # tinycss2 counts \r\n, \r, \n and \f as one line break each
            self._lines = [0] + [m.end() for m in re.finditer(r"\r\n|[\r\n\f]", self.text)]
        start = self._lines[min(max(line, 1), len(self._lines)) - 1]
        return min(start + max(column, 1) - 1, len(self.text))

    def file_offset(self, line: int, column: int) -> int:
        return self.to_file(self.offset(line, column))

    def is_dynamic(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.dynamic)


@dataclass
class Sheet:
    blocks: list[Block] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (file offset, message)

    def decls(self) -> Iterator[Decl]:
        for block in self.blocks:
            yield from block.decls


def parse_chunks(chunks: Sequence[Chunk]) -> Sheet:
    sheet = Sheet()
    for chunk in chunks:
        try:
            _parse_chunk(chunk, sheet)
        except RecursionError:
            sheet.problems.append((chunk.to_file(0), "CSS nested too deeply to check"))
    return sheet


def _parse_chunk(chunk: Chunk, sheet: Sheet) -> None:
    t = tinycss2()
    _braces(chunk, sheet)
    if chunk.element is not None:
        block = Block((), chunk.media, element=chunk.element)
        sheet.blocks.append(block)
        tokens = t.parse_component_value_list(chunk.text, skip_comments=True)
        _contents(tokens, block, chunk, sheet)
        return
    rules = t.parse_stylesheet(chunk.text, skip_comments=True, skip_whitespace=True)
    _rules(rules, None, chunk.media, chunk, sheet)


_BRACE_RX = re.compile(r"/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?|[{}]", re.S)


def _braces(chunk: Chunk, sheet: Sheet) -> None:
    """Unbalanced braces and unterminated comments: tinycss2 recovers from them silently."""
    open_at: list[int] = []
    for m in _BRACE_RX.finditer(chunk.text):
        token = m.group(0)
        if token == "{":
            open_at.append(m.start())
        elif token == "}":
            if open_at:
                open_at.pop()
            else:
                sheet.problems.append((chunk.to_file(m.start()), "unmatched '}'"))
        elif token.startswith("/*") and not token.endswith("*/"):
            sheet.problems.append((chunk.to_file(m.start()), "comment '/*' is never closed"))
    if open_at:
        sheet.problems.append((chunk.to_file(open_at[0]), "'{' is never closed"))


def _significant(nodes: Sequence[Node]) -> list[Node]:
    return [n for n in nodes if n.type not in ("whitespace", "comment")]


def _rules(nodes: Sequence[Node], parents: tuple[Selector, ...] | None, media: tuple[str, ...],
           chunk: Chunk, sheet: Sheet) -> None:  # fmt: skip
    t = tinycss2()
    for node in nodes:
        if node.type == "error":
            at = chunk.offset(node.source_line, node.source_column)
            rest = re.sub(r"/\*.*?(?:\*/|\Z)", "", chunk.text[at:], flags=re.S).strip(" \t\r\n\f}")
            if "EOF reached" in str(node.message) and not rest:
                continue  # only stray '}' left: `_braces` reports those
            sheet.problems.append((chunk.to_file(at), _error(node)))
        elif node.type == "qualified-rule":
            selectors = _selectors(t.serialize(node.prelude), parents)
            block = Block(selectors, media)
            sheet.blocks.append(block)
            _contents(node.content, block, chunk, sheet)
        elif node.type == "at-rule":
            _at_rule(node, parents, media, chunk, sheet)


def _at_rule(node: Node, parents: tuple[Selector, ...] | None, media: tuple[str, ...],
             chunk: Chunk, sheet: Sheet) -> None:  # fmt: skip
    t = tinycss2()
    name = node.lower_at_keyword
    if node.content is None or name in DESCRIPTOR_AT_RULES:
        return
    inner = media
    if name == "media":
        inner = (*media, normalise_media(t.serialize(node.prelude)))
    elif name.endswith("keyframes"):
        for frame in t.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True):
            if frame.type == "qualified-rule":
                block = Block((), media, at_rule="keyframes")
                sheet.blocks.append(block)
                _contents(frame.content, block, chunk, sheet)
        return
    elif name not in GROUPING_AT_RULES:
        return
    if parents is None:
        _rules(
            t.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True),
            None,
            inner,
            chunk,
            sheet,
        )
    else:  # nested inside a style rule: declarations apply to the parent's selectors
        block = Block(parents, inner)
        sheet.blocks.append(block)
        _contents(node.content, block, chunk, sheet)


def _error(node: Node) -> str:
    message = str(getattr(node, "message", "") or node.kind)
    if "EOF reached before {} block" in message:
        return "a selector without a '{ ... }' block at the end of the stylesheet"
    return f"invalid CSS: {message.rstrip('.')}"


def _selectors(prelude: str, parents: tuple[Selector, ...] | None) -> tuple[Selector, ...]:
    out: list[Selector] = []
    for text in selector_list(prelude):
        subject = subject_of(text)
        if parents and subject.nests:
            out.extend(Selector(text.replace("&", p.text), subject.merged(p.subject)) for p in parents)
        elif parents and "&" not in text:
            out.append(Selector(f"{parents[0].text} {text}", subject))
        else:
            out.append(Selector(text, subject))
    return tuple(out)


def _looks_like_declaration(segment: Sequence[Node]) -> bool:
    sig = _significant(segment)
    return len(sig) >= 2 and sig[0].type == "ident" and sig[1].type == "literal" and sig[1].value == ":"


def _contents(tokens: Sequence[Node], block: Block, chunk: Chunk, sheet: Sheet) -> None:
    """A block's contents: declarations, and nested rules (CSS nesting), with exact positions."""
    segment: list[Node] = []
    decls: list[tuple[list[Node], Node | None]] = []
    for token in tokens:
        if token.type == "literal" and token.value == ";":
            decls.append((segment, token))
            segment = []
        elif token.type == "{} block":
            sig = _significant(segment)
            if _looks_like_declaration(segment) and sig[0].value.startswith("--"):
                segment.append(token)  # a custom property may hold a {} block
                continue
            if _looks_like_declaration(segment) and _runs_on(segment):
                t = tinycss2()
                text = " ".join(t.serialize(segment).split())
                text = text if len(text) <= 40 else text[:39] + "…"
                offset = chunk.offset(sig[0].source_line, sig[0].source_column)
                if not chunk.is_dynamic(offset, offset + len(text)):
                    sheet.problems.append(
                        (chunk.to_file(offset), f"'{text}' runs into a '{{' block: a ';' is missing")
                    )
                segment = []
                continue
            if sig and sig[0].type == "at-keyword":
                at = _AtShim(sig[0], segment[segment.index(sig[0]) + 1 :], token.content)
                _at_rule(at, block.selectors, block.media, chunk, sheet)
            elif sig:
                t = tinycss2()
                selectors = _selectors(t.serialize(segment), block.selectors or None)
                nested = Block(selectors, block.media, element=block.element)
                sheet.blocks.append(nested)
                _contents(token.content, nested, chunk, sheet)
            segment = []
        else:
            segment.append(token)
    decls.append((segment, None))
    for seg, end in decls:
        _declaration(seg, end, block, chunk, sheet)


def _runs_on(segment: Sequence[Node]) -> bool:
    """`color: red .b { ... }`: a declaration missing its ';', not a nested `a:hover { ... }` rule."""
    colon = next(i for i, n in enumerate(segment) if n.type == "literal" and n.value == ":")
    after = segment[colon + 1] if colon + 1 < len(segment) else None
    return after is None or after.type not in ("ident", "function")


@dataclass
class _AtShim:
    """A nested at-rule found by `_contents`, shaped like tinycss2's AtRule."""

    keyword: Node
    prelude: list[Node]
    content: list[Node]

    @property
    def lower_at_keyword(self) -> str:
        return str(self.keyword.lower_value)


def _declaration(segment: list[Node], end: Node | None, block: Block, chunk: Chunk, sheet: Sheet) -> None:
    t = tinycss2()
    sig = _significant(segment)
    if not sig or sig[0].type == "at-keyword":
        return
    first = sig[0]
    start = chunk.offset(first.source_line, first.source_column)
    if end is not None:
        stop = chunk.offset(end.source_line, end.source_column)
    else:
        last = sig[-1]
        stop = chunk.offset(last.source_line, last.source_column) + len(t.serialize([last]))
    dynamic = chunk.is_dynamic(start, stop)
    if first.type == "literal" and first.value == "*" and _looks_like_declaration(sig[1:]):
        return  # `*zoom: 1`: the IE 6/7 star hack, written on purpose and ignored by every other browser
    if not _looks_like_declaration(segment):
        if not dynamic:
            text = " ".join(t.serialize(segment).split())
            text = text if len(text) <= 40 else text[:39] + "…"
            sheet.problems.append((chunk.to_file(start), f"'{text}' is not a declaration (property: value)"))
        return
    decl = t.parse_one_declaration(segment, skip_comments=True)
    if decl.type == "error":
        if not dynamic:
            sheet.problems.append((chunk.to_file(start), _error(decl)))
        return
    name = decl.name if decl.name.startswith("--") else decl.lower_name
    value = list(decl.value)
    if not _significant(value) and not name.startswith("--"):
        dynamic = True  # `color: ;` is what a blanked `{{ }}` leaves; a literal one is rare
    block.decls.append(Decl(name, value, decl.important, chunk.to_file(start), block, chunk, dynamic))


# --- values ---------------------------------------------------------------------------------------

Resolve = Callable[[str], "list[list[Node]] | None"]


@dataclass(frozen=True)
class Length:
    px: float
    node: Node  # what to point at
    text: str  # how it was written, e.g. '0.875rem' or 'var(--small)'


def px_text(px: float) -> str:
    return f"{px:.2f}".rstrip("0").rstrip(".") + "px"


def dimension_px(node: Node, *, font_px: float, root_px: float, percent_of: float | None) -> float | None:
    if node.type == "dimension":
        unit = node.lower_unit
        if unit in ABSOLUTE_UNITS:
            return float(node.value) * ABSOLUTE_UNITS[unit]
        if unit == "rem":
            return float(node.value) * root_px
        if unit == "em":
            return float(node.value) * font_px
        return None  # vw, vh, ch, ex...: not known without a viewport
    if node.type == "percentage":
        return float(node.value) * percent_of / 100 if percent_of is not None else None
    if node.type == "number" and node.value == 0:
        return 0.0
    return None


def lower_bound(
    nodes: Sequence[Node],
    *,
    resolve: Resolve,
    font_px: float = ROOT_FONT_PX,
    root_px: float = ROOT_FONT_PX,
    percent_of: float | None = None,
    keywords: dict[str, float] | None = None,
    relative_font: bool = False,
    depth: int = 0,
) -> Length | None:
    """The smallest length this value can be, when it can be known: `clamp(1rem, 2vw, 2rem)` is 16px.

    With `relative_font` (a font-size), `1em`, `100%` and larger are not judged: they keep the
    parent's size, which its own declaration answers for; smaller ones are taken from `font_px`.
    """
    sig = _significant(nodes)
    if len(sig) != 1 or depth > 8:
        return None
    node = sig[0]
    t = tinycss2()
    text = t.serialize([node]).strip()

    def again(inner: Sequence[Node]) -> Length | None:
        return lower_bound(inner, resolve=resolve, font_px=font_px, root_px=root_px, percent_of=percent_of,
                           keywords=keywords, relative_font=relative_font, depth=depth + 1)  # fmt: skip

    if node.type == "ident":
        px = (keywords or {}).get(node.lower_value)
        return Length(px, node, f"{text} = {px_text(px)}") if px is not None else None
    if node.type == "function":
        name = node.lower_name
        args = _split_args(node.arguments)
        low: Length | None = None
        if name == "var" and args:
            values = resolve(_var_name(args[0]))
            candidates = values if values else ([args[1]] if len(args) > 1 else [])
            known = [k for k in (again(v) for v in candidates) if k is not None]
            low = min(known, key=lambda f: f.px) if known else None  # every definition counts
        elif name == "clamp" and len(args) == 3:
            low = again(args[0])
        elif name == "max" and args:
            known = [k for k in (again(a) for a in args) if k is not None]
            low = max(known, key=lambda f: f.px) if known else None
        elif name == "min" and args:
            found = [again(a) for a in args]
            known = [k for k in found if k is not None]
            low = min(known, key=lambda f: f.px) if known and len(known) == len(found) else None
        else:
            return None
        return Length(low.px, node, f"{text} = {px_text(low.px)}") if low is not None else None
    if relative_font and (
        (node.type == "dimension" and node.lower_unit == "em" and node.value >= 1)
        or (node.type == "percentage" and node.value >= 100)
    ):
        return None
    px = dimension_px(node, font_px=font_px, root_px=root_px, percent_of=percent_of)
    if px is None:
        return None
    shown = text if node.type == "dimension" and node.lower_unit == "px" else f"{text} = {px_text(px)}"
    return Length(px, node, shown)


def font_size_nodes(nodes: Sequence[Node]) -> list[Node] | None:
    """The font-size part of a `font` shorthand: `italic bold 14px/1.2 Arial` -> [14px]."""
    for node in _significant(nodes):
        if node.type in ("dimension", "percentage") or (node.type == "function" and node.lower_name in (
            "var", "clamp", "min", "max", "calc"
        )):  # fmt: skip
            return [node]
        if node.type == "ident" and node.lower_value in FONT_KEYWORDS:
            return [node]
    return None


def _split_args(nodes: Sequence[Node]) -> list[list[Node]]:
    args: list[list[Node]] = [[]]
    for node in nodes:
        if node.type == "literal" and node.value == ",":
            args.append([])
        else:
            args[-1].append(node)
    return [a for a in args if _significant(a)]


def _var_name(nodes: Sequence[Node]) -> str:
    sig = _significant(nodes)
    return str(sig[0].value) if sig and sig[0].type == "ident" else ""


def var_name(node: Node) -> str | None:
    """The property a `var()` function node names (None for any other node)."""
    if node.type != "function" or node.lower_name != "var":
        return None
    args = _split_args(node.arguments)
    return _var_name(args[0]) if args else ""


def var_calls(nodes: Sequence[Node]) -> Iterator[tuple[Node, str, bool]]:
    """Every `var()` in a value: (the function node, the property name, whether it has a fallback)."""
    for node in nodes:
        if node.type == "function":
            if node.lower_name == "var":
                args = _split_args(node.arguments)
                yield node, _var_name(args[0]) if args else "", len(args) > 1
                if len(args) > 1:
                    yield from var_calls(args[1])
            else:
                yield from var_calls(node.arguments)
        elif node.type in ("() block", "[] block", "{} block"):
            yield from var_calls(node.content)


def bare_custom_properties(nodes: Sequence[Node]) -> Iterator[Node]:
    """`color: --brand` (a custom property named without var()) is invalid at computed-value time."""
    for node in nodes:
        if node.type == "ident" and node.value.startswith("--"):
            yield node
        elif node.type == "function" and node.lower_name != "var":
            yield from bare_custom_properties(node.arguments)


# --- colours --------------------------------------------------------------------------------------

RGB = tuple[int, int, int]
COLOUR_FUNCTIONS = frozenset(
    {"rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color"}
)  # fmt: skip
NEUTRAL_KEYWORDS = frozenset({"transparent", "currentcolor", "none", *WIDE_KEYWORDS})


def hex_rgb(text: str) -> tuple[RGB, float] | None:
    """`#abc`, `#abcd`, `#aabbcc`, `#aabbccdd` -> ((r, g, b), alpha); None when it is not a hex colour."""
    digits = text[1:] if text.startswith("#") else text
    if not re.fullmatch(r"[0-9a-fA-F]+", digits) or len(digits) not in (3, 4, 6, 8):
        return None
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    values = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    alpha = values[3] / 255 if len(values) == 4 else 1.0
    return (values[0], values[1], values[2]), alpha


def rgb_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def colour_of(node: Node) -> tuple[RGB, float] | None:
    """A colour token or function as (r, g, b) 0-255 and alpha; None when it is not a colour."""
    if node.type == "hash":
        return hex_rgb(node.value)
    if node.type == "ident" and node.lower_value in NEUTRAL_KEYWORDS:
        return None
    if node.type not in ("ident", "function"):
        return None
    if node.type == "function" and node.lower_name not in COLOUR_FUNCTIONS:
        return None
    try:
        from tinycss2 import color4

        parsed = color4.parse_color(node)
        if parsed is None or isinstance(parsed, str):
            return None
        srgb = parsed.to("srgb")
        r, g, b = (round(min(max(c, 0.0), 1.0) * 255) for c in srgb.coordinates)
        return (r, g, b), float(srgb.alpha)
    except ImportError:  # tinycss2 < 1.3
        from tinycss2 import color3

        old = color3.parse_color(node)
        if old is None or isinstance(old, str):
            return None
        return (round(old.red * 255), round(old.green * 255), round(old.blue * 255)), float(old.alpha)
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None  # a colour space tinycss2 cannot convert: not judged


@dataclass(frozen=True)
class Colour:
    rgb: RGB
    alpha: float
    node: Node  # where it is written in the checked declaration
    text: str  # how it is written there, with what a var() resolved to


def colours(nodes: Sequence[Node], *, resolve: Resolve, depth: int = 0) -> Iterator[Colour]:
    """Every colour a value holds, through gradients, shorthands and resolved var()s."""
    t = tinycss2()
    for node in nodes:
        if node.type == "function" and node.lower_name == "var":
            args = _split_args(node.arguments)
            values = resolve(_var_name(args[0])) if args else None
            if not values and len(args) > 1:
                values = [args[1]]
            for value in values or ():
                if depth < 8:
                    for inner in colours(value, resolve=resolve, depth=depth + 1):
                        yield Colour(inner.rgb, inner.alpha, node, f"{t.serialize([node])} = {inner.text}")
            continue
        if node.type == "function" and node.lower_name == "url":
            continue
        found = colour_of(node)
        if found is not None:
            yield Colour(found[0], found[1], node, t.serialize([node]).strip())
        elif node.type == "function":
            yield from colours(node.arguments, resolve=resolve, depth=depth)


def single_colour(nodes: Sequence[Node], *, resolve: Resolve) -> Colour | None:
    """The one colour a `color` value (or a `background` colour layer) sets, when exactly one is known."""
    found = list(colours(nodes, resolve=resolve))
    distinct = {(c.rgb, c.alpha) for c in found}
    return found[0] if len(distinct) == 1 else None


def luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: RGB, bg: RGB) -> float:
    a, b = luminance(fg), luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def blend(fg: RGB, alpha: float, bg: RGB) -> RGB:
    r, g, b = (round(f * alpha + k * (1 - alpha)) for f, k in zip(fg, bg, strict=False))
    return (r, g, b)
