"""Web sources as the design checks see them, parsed once per file and shared by every rule.

- Templates (Jinja, Django) are HTML with `{{ }}`, `{% %}` and `{# #}` blanked to spaces, so every
  offset still points into the file; what a blanked span outputs is remembered as "dynamic".
- HTML is parsed with the stdlib `html.parser` into elements with exact offsets for tags and
  attribute values; `<style>` blocks and `style=""` attributes become CSS chunks (see `stylesheet`).
- Python files contribute the string literals that hold HTML (found with `ast`), joined in source
  order into one document whose offsets map back into the `.py` file.
- Facts about the whole project (custom properties, templates by name, pages that load a script)
  are computed once per run through `RunContext.fact`; other files are read through `RunContext.file`.
"""

from __future__ import annotations

import ast
import bisect
import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .._source import RunContext, SourceFile
from . import stylesheet

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".jinja", ".jinja2", ".j2", ".djhtml")
CSS_SUFFIXES = (".css", ".css.j2", ".css.jinja", ".css.jinja2")
TEMPLATE_SUFFIXES = (".jinja", ".jinja2", ".j2", ".djhtml", ".html", ".htm")
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
     "param", "keygen"}
)  # fmt: skip
# a new start tag of these closes an open <p> (HTML's "p end tag may be omitted")
CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
     "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
     "section", "table", "ul"}
)  # fmt: skip
IMPLIED = {"li": ("ul", "ol"), "option": ("select", "datalist"), "dt": ("dl",), "dd": ("dl",),
           "tr": ("table",), "td": ("tr", "table"), "th": ("tr", "table")}  # fmt: skip
# template tags that output nothing themselves (everything else may print text: block, include, trans...)
SILENT_TAGS = frozenset(
    {"if", "elif", "else", "endif", "for", "endfor", "empty", "with", "endwith", "load", "comment",
     "endcomment", "spaceless", "endspaceless", "autoescape", "endautoescape", "raw", "endraw", "verbatim",
     "endverbatim", "extends", "macro", "endmacro", "set", "endset", "endblock", "endcall", "endfilter",
     "csrf_token", "import", "from", "do", "endtrans", "endblocktrans", "endblocktranslate", "plural",
     "pluralize", "break", "continue", "firstof_end"}
)  # fmt: skip
_TEMPLATE_RX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG_NAME_RX = re.compile(r"\{%-?\+?\s*(\w+)")
_TAG_START_RX = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*(?:\s|/(?!>))*")
# html.parser's own tolerant attribute pattern (3.11), applied to the start tag text it reports
_ATTR_RX = re.compile(
    r"((?<=[\'\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*(\'[^\']*\'|\"[^\"]*\"|(?![\'\"])[^>\s]*))?(?:\s|/(?!>))*"
)
# from the start of a run of dashes only: retried at each of 40,000 dashes it took 44 s
_DEFINES_PROPERTY_RX = re.compile(r"(?<![\w-])--[\w-]+\s*:")
# `--name: value` where a declaration can start (not `<!--note:`); the value runs to ; } or a quote
_DEFINITION_RX = re.compile(r"(?:(?<=[{;\s\"'])|^)(--[A-Za-z_][\w-]*)\s*:([^;{}\"<]*)", re.M)
_CSS_COMMENT_RX = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_EXTENDS_RX = re.compile(r"\{%-?\s*extends\s+(?:(['\"])(.+?)\1|(\S+))")
_INCLUDE_RX = re.compile(r"\{%-?\s*include\s+(?:(['\"])(.+?)\1|(\S+))")
HTML_IN_PYTHON_RX = re.compile(
    r"</?(?:html|head|body|div|span|p|a|img|input|button|form|label|select|textarea|option|h[1-6]|ul|ol|li|"
    r"table|thead|tbody|tr|td|th|section|nav|main|header|footer|article|aside|style|meta|link|script|svg|"
    r"i|em|strong|small|br|hr|figure|details|summary|dialog)[\s>/]",
    re.I,
)


def file_kind(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(CSS_SUFFIXES):
        return "css"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith((".py", ".pyi")):
        return "python"
    return None


# --- templates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # 'expr' ({{ }}), 'tag' ({% %}), 'comment' ({# #})
    name: str = ""  # the tag's name

    @property
    def outputs(self) -> bool:
        return self.kind == "expr" or (self.kind == "tag" and self.name not in SILENT_TAGS)


def blank_templates(text: str) -> tuple[str, list[Span]]:
    """Template syntax replaced by spaces (newlines kept), and where it was."""
    if "{" not in text:
        return text, []
    spans: list[Span] = []
    pos = 0
    while True:
        m = _TEMPLATE_RX.search(text, pos)
        if m is None:
            break
        token = m.group(0)
        kind = {"{{": "expr", "{%": "tag", "{#": "comment"}[token[:2]]
        name_m = _TAG_NAME_RX.match(token) if kind == "tag" else None
        name = name_m.group(1).lower() if name_m else ""
        spans.append(Span(m.start(), m.end(), kind, name))
        pos = m.end()
        if name in ("raw", "verbatim", "comment"):  # raw content stays; a comment's is blanked
            end = re.compile(r"\{%-?\s*end" + name + r"\s*-?%\}").search(text, pos)
            stop = end.start() if end else len(text)
            if name == "comment":
                spans.append(Span(pos, stop, "comment"))
            pos = stop
    if not spans:
        return text, []
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars), spans


@dataclass(frozen=True)
class TemplateRefs:
    extends: str | None  # the parent template's name
    extends_dynamic: bool
    includes: tuple[str, ...]
    includes_dynamic: bool


def template_refs(raw: str) -> TemplateRefs:
    extends: str | None = None
    dynamic = False
    m = _EXTENDS_RX.search(raw)
    if m:
        extends = m.group(2)
        dynamic = extends is None
    includes = []
    includes_dynamic = False
    for inc in _INCLUDE_RX.finditer(raw):
        if inc.group(2):
            includes.append(inc.group(2))
        else:
            includes_dynamic = True
    return TemplateRefs(extends, dynamic, tuple(includes), includes_dynamic)


# --- HTML -----------------------------------------------------------------------------------------


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]  # lower-cased names; values unescaped ('' when bare)
    values: dict[str, tuple[int, int]]  # name -> (start, end) of the raw value in the document
    start: int  # offset of '<'
    tag_end: int  # offset after the start tag's '>'
    parent: Element | None
    children: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    close: int = -1  # offset where the element ends
    content_end: int = -1  # offset of its end tag, when it has one
    dynamic_attrs: bool = False  # template output where attributes are: any attribute may be there
    dynamic_values: set[str] = field(default_factory=set)  # attributes whose value holds template output
    dynamic_text: bool = False  # template output in its content

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator[Element]:
        for child in self.children:
            yield child
            yield from child.descendants()

    def raw_value(self, doc: Document, name: str) -> str:
        span = self.values.get(name)
        return doc.raw[span[0] : span[1]] if span else ""


@dataclass(eq=False)
class Document:
    """One HTML document (a template, a page, or the HTML strings of one Python file)."""

    text: str  # templates blanked
    raw: str  # as written, same length
    to_file: Callable[[int], int]
    spans: list[Span]
    elements: list[Element] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (offset, message)
    stray_ends: list[tuple[int, str]] = field(default_factory=list)
    refs: TemplateRefs = TemplateRefs(None, False, (), False)
    from_python: bool = False

    @property
    def is_page(self) -> bool:
        """A full page: it has <html> or <body> and does not extend another template.

        In Python strings a lone `<html ...>` opening tag is a piece of a page, not one: there a
        page also has `<head>` or `<body>`.
        """
        if self.refs.extends is not None or self.refs.extends_dynamic:
            return False
        tags = {e.tag for e in self.elements}
        if self.from_python:
            return "body" in tags or ("html" in tags and "head" in tags)
        return bool(tags & {"html", "body"})

    def by_tag(self, *tags: str) -> list[Element]:
        return [e for e in self.elements if e.tag in tags]

    def first(self, *tags: str) -> Element | None:
        found = self.by_tag(*tags)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self, doc: Document) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.newlines = [0] + [m.end() for m in re.finditer("\n", doc.text)]
        self.stack: list[Element] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.newlines[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, self_closing=tag in VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, self_closing=True)

    def _start(self, tag: str, *, self_closing: bool) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        self._imply_end(tag, start)
        parent = self.stack[-1] if self.stack else None
        element = Element(tag, {}, {}, start, start + len(raw), parent)
        _attributes(element, raw, start)
        self.doc.elements.append(element)
        if parent is not None:
            parent.children.append(element)
        if self_closing:
            element.close = element.tag_end
        else:
            self.stack.append(element)

    def _imply_end(self, tag: str, at: int) -> None:
        if self.stack and self.stack[-1].tag == "p" and tag in CLOSES_P:
            self._pop_to(len(self.stack) - 1, at)
        scope = IMPLIED.get(tag)
        if scope is None:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            open_tag = self.stack[i].tag
            if open_tag in scope:
                return
            if open_tag == tag or (tag in ("td", "th") and open_tag in ("td", "th")) or (
                tag in ("dt", "dd") and open_tag in ("dt", "dd")
            ) or (tag == "tr" and open_tag in ("td", "th")):  # fmt: skip
                self._pop_to(i, at)
                return

    def _pop_to(self, index: int, at: int) -> None:
        for element in self.stack[index:]:
            element.close = at
        del self.stack[index:]

    def handle_endtag(self, tag: str) -> None:
        at = self._offset()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                end = self.doc.text.find(">", at)
                for element in self.stack[i + 1 :]:
                    element.close = at  # closed implicitly by this end tag
                self.stack[i].content_end = at
                self.stack[i].close = end + 1 if end >= 0 else len(self.doc.text)
                del self.stack[i:]
                return
        self.doc.stray_ends.append((at, f"</{tag}> closes no open <{tag}>"))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def finish(self) -> None:
        rest = self.rawdata
        if rest:
            at = self._offset()
            if self.cdata_elem:
                self.doc.problems.append((self.stack[-1].start if self.stack else at,
                                          f"<{self.cdata_elem}> is never closed"))  # fmt: skip
            elif rest.startswith("<!--"):
                self.doc.problems.append((at, "comment '<!--' is never closed"))
            else:
                m = re.search(r"<[a-zA-Z/]", rest)
                if m is not None:
                    self.doc.problems.append((at + m.start(), "tag is never closed with '>'"))
        self.close()
        for element in self.stack:
            element.close = len(self.doc.text)
        self.stack.clear()


def _attributes(element: Element, raw: str, start: int) -> None:
    m = _TAG_START_RX.match(raw)
    k = m.end() if m else len(raw)
    while k < len(raw):
        am = _ATTR_RX.match(raw, k)
        if am is None or am.end() == k:
            break
        name = am.group(1).lower()
        value = am.group(3)
        if value is None:
            span = (start + am.start(1), start + am.end(1))
            text = ""
        elif value[:1] in "'\"" and len(value) >= 2 and value[-1] == value[0]:
            span = (start + am.start(3) + 1, start + am.end(3) - 1)
            text = value[1:-1]
        else:  # unquoted: from just after '=', so a blanked `{{ }}` value belongs to this attribute
            span = (start + am.start(2) + am.group(2).index("=") + 1, start + am.end(3))
            text = value
        if name not in element.attrs:
            element.attrs[name] = html.unescape(text)
            element.values[name] = span
        k = am.end()


def parse_document(
    text: str, raw: str, spans: list[Span], to_file: Callable[[int], int], *, from_python: bool = False
) -> Document:
    doc = Document(
        text, raw, to_file, spans, refs=template_refs(raw) if spans else TemplateRefs(None, False, (), False)
    )
    doc.from_python = from_python
    builder = _Builder(doc)
    try:
        builder.feed(text)
        builder.finish()
    except AssertionError as exc:
        if not _raised_by_html_parser(exc):
            raise  # a bug of the builder: the crash policy reports it (exit 2), it is no finding
        doc.problems.append((builder._offset(), f"cannot parse the HTML from here: {exc}"))
        for element in builder.stack:
            element.close = len(text)
    _mark_dynamic(doc)
    return doc


def _raised_by_html_parser(exc: BaseException) -> bool:
    """html.parser (and _markupbase under it) reject markup they cannot tokenize with AssertionError,
    `<![x y]>` for one: that is a fact about the file. Raised anywhere else, it is a bug."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_globals.get("__name__") in ("html.parser", "_markupbase")


def _mark_dynamic(doc: Document) -> None:
    """Attach each template output span to the element whose tag or content it lies in."""
    outputs = [s for s in doc.spans if s.outputs]
    if not outputs or not doc.elements:
        return
    starts = [e.start for e in doc.elements]
    for span in outputs:
        i = bisect.bisect_right(starts, span.start) - 1
        if i < 0:
            continue
        element: Element | None = doc.elements[i]
        if element is not None and element.start <= span.start < element.tag_end:
            names = [n for n, (s, e) in element.values.items() if s <= span.start < max(e, s + 1)]
            if names:
                element.dynamic_values.update(names)
            else:
                element.dynamic_attrs = True
            continue
        while element is not None and not (
            element.tag_end <= span.start < max(element.close, element.tag_end)
        ):
            element = element.parent
        if element is not None:
            element.dynamic_text = True


# --- Python strings -------------------------------------------------------------------------------

_STRING_START_RX = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t", "v": "\v"}  # fmt: skip


@dataclass
class _Piece:
    chars: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # file offset of each char
    holes: list[tuple[int, int]] = field(default_factory=list)  # f-string replacement fields

    def add(self, char: str, offset: int) -> None:
        self.chars.append(char)
        self.offsets.append(offset)


def _literals(text: str, base: int, piece: _Piece) -> None:
    """Decode a run of (implicitly concatenated) string literals, keeping each char's file offset."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\r\n\\(":
            i += 1
            continue
        if text[i] == "#":
            i = text.find("\n", i) if "\n" in text[i:] else n
            continue
        m = _STRING_START_RX.match(text, i)
        if m is None:
            raise ValueError("not a string literal")
        prefix, quote = m.group(1).lower(), m.group(2)
        raw, fmt = "r" in prefix, "f" in prefix
        i = m.end()
        while True:
            if i >= n:
                raise ValueError("unterminated literal")
            if text.startswith(quote, i):
                i += len(quote)
                break
            c = text[i]
            if fmt and c in "{}":
                if text.startswith(c * 2, i):
                    piece.add(c, base + i)
                    i += 2
                    continue
                if c == "{":
                    end = _field_end(text, i)
                    start = len(piece.chars)
                    for j in range(i, end):
                        piece.add(" " if text[j] not in "\r\n" else text[j], base + j)
                    piece.holes.append((start, len(piece.chars)))
                    i = end
                    continue
            if c == "\\" and i + 1 < n:
                if raw:
                    piece.add(c, base + i)
                    piece.add(text[i + 1], base + i + 1)
                    i += 2
                    continue
                i = _escape(text, i, base, piece)
                continue
            piece.add(c, base + i)
            i += 1


def _field_end(text: str, i: int) -> int:
    depth, quote = 0, ""
    for j in range(i, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unterminated replacement field")


def _escape(text: str, i: int, base: int, piece: _Piece) -> int:
    nxt = text[i + 1]
    if nxt == "\n":
        return i + 2
    if nxt == "\r":
        return i + 3 if text.startswith("\r\n", i + 1) else i + 2
    if nxt in _SIMPLE_ESCAPES:
        piece.add(_SIMPLE_ESCAPES[nxt], base + i)
        return i + 2
    m = re.compile(r"[0-7]{1,3}").match(text, i + 1)
    if m:
        piece.add(chr(int(m.group(0), 8)), base + i)
        return m.end()
    widths = {"x": 2, "u": 4, "U": 8}
    if nxt in widths:
        digits = text[i + 2 : i + 2 + widths[nxt]]
        piece.add(chr(int(digits, 16)), base + i)
        return i + 2 + widths[nxt]
    if nxt == "N":
        end = text.index("}", i)
        piece.add(unicodedata.lookup(text[i + 3 : end]), base + i)
        return end + 1
    piece.add("\\", base + i)
    piece.add(nxt, base + i + 1)
    return i + 2


_MARKUP_RX = re.compile(r"^\s*</?[a-zA-Z!]|</[a-zA-Z][\w-]*\s*>|<[a-zA-Z][\w-]*\s+[\w:@-]+\s*=")


def is_markup(literal: str) -> bool:
    """A string literal that holds HTML, not prose that names a tag ("<html> needs a lang"), nor XML
    that is not HTML (TwiML's `<Response><Message><Body>`, an RSS feed, an SVG icon).

    It starts with a tag, or closes one, or has a tag with an attribute.
    """
    return (
        HTML_IN_PYTHON_RX.search(literal) is not None
        and _MARKUP_RX.search(literal) is not None
        and not is_other_xml(literal)
    )


_ROOT_TAG_RX = re.compile(r"<([A-Za-z][\w:.-]*)")
_SPACE_RX = re.compile(r"\s*")
# roots of XML vocabularies that share tag names with HTML (TwiML's <Body>, RSS's <link>, SVG's <a>)
XML_ROOTS = frozenset({"response", "rss", "feed", "svg", "urlset", "sitemapindex", "kml", "gpx", "plist"})


def _root_tag(text: str) -> str | None:
    """The first element's name, past an XML declaration and comments (a scan, not a regex with a
    repeated lazy group: linear on any text)."""
    at = _SPACE_RX.match(text).end()  # type: ignore[union-attr]  # \s* always matches
    if text.startswith("<?xml", at):
        end = text.find(">", at)
        if end < 0:
            return None
        at = end + 1
    while True:
        at = _SPACE_RX.match(text, at).end()  # type: ignore[union-attr]
        if not text.startswith("<!--", at):
            break
        end = text.find("-->", at + 4)
        if end < 0:
            return None
        at = end + 3
    m = _ROOT_TAG_RX.match(text, at)
    return None if m is None else m.group(1).lower()


def is_other_xml(text: str) -> bool:
    """XML that is not HTML: an XML declaration without an <html> element, or a root element of a
    known XML vocabulary."""
    root = _root_tag(text)
    if root is None:
        return False
    if root in XML_ROOTS:
        return True
    return text.lstrip().startswith("<?xml") and root != "html"


def _searched_literals(tree: ast.AST) -> set[int]:
    """String constants that code compares, searches for or parses as XML, never renders:
    `"<button" in html`, `page.count("<input")`, `compile(src, "<input>", "single")`, tkinter's
    `bind("<Button>", ...)`, `ET.fromstring("<html>...")`."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                if isinstance(operand, ast.Constant):
                    found.add(id(operand))
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if (
                name in _SEARCH_METHODS | _XML_PARSERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(id(node.args[0]))
            elif name in ("compile", "compile_command") and len(node.args) > 1:
                found.add(id(node.args[1]))
            for kw in node.keywords:
                if kw.arg == "filename" and isinstance(kw.value, ast.Constant):
                    found.add(id(kw.value))
        elif isinstance(node, ast.arguments):
            named = [*node.posonlyargs, *node.args]
            for arg, default in zip(named[len(named) - len(node.defaults) :], node.defaults, strict=True):
                if arg.arg == "filename" and isinstance(default, ast.Constant):
                    found.add(id(default))
            for arg, kw_default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                if arg.arg == "filename" and isinstance(kw_default, ast.Constant):
                    found.add(id(kw_default))
    return found


_SEARCH_METHODS = frozenset(
    {"startswith", "endswith", "find", "rfind", "index", "rindex", "count", "split", "rsplit", "partition",
     "rpartition", "replace", "removeprefix", "removesuffix", "bind", "unbind", "bind_all", "event_add",
     "assertIn", "assertNotIn"}
)  # fmt: skip
_XML_PARSERS = frozenset(
    {"XML", "fromstring", "fromstringlist", "parseString", "XMLID"}
)  # their input is XML


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def python_document(source: SourceFile, web: WebSource) -> Document | None:
    """The HTML string literals of a Python file as one document, in source order."""
    if not HTML_IN_PYTHON_RX.search(source.text) or source.tree is None:
        return None
    tree = source.tree
    skip = _docstrings(tree) | _searched_literals(tree)
    nodes: list[ast.AST] = []
    for node in source.nodes(ast.JoinedStr):
        for part in node.values:  # type: ignore[attr-defined]
            skip.add(id(part))
        nodes.append(node)
    for node in source.nodes(ast.Constant):
        if id(node) in skip or not isinstance(node.value, str):  # type: ignore[attr-defined]
            continue
        nodes.append(node)
    pieces: list[_Piece] = []
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):  # type: ignore[attr-defined]
        if isinstance(node, ast.JoinedStr):
            literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        else:
            literal = str(node.value)  # type: ignore[attr-defined]
        if not is_markup(literal):
            continue
        piece = _decode(source, web, node)
        if piece is not None:
            pieces.append(piece)
    if not pieces:
        return None
    chars: list[str] = []
    offsets: list[int] = []
    spans: list[Span] = []
    for piece in pieces:
        if chars:  # what the code puts between two literals is not known: a dynamic gap
            spans.append(Span(len(chars), len(chars) + 1, "expr"))
            chars.append(" ")
            offsets.append(piece.offsets[0] if piece.offsets else 0)
        base = len(chars)
        spans.extend(Span(base + s, base + e, "expr") for s, e in piece.holes)
        chars.extend(piece.chars)
        offsets.extend(piece.offsets)
    offsets.append(offsets[-1] if offsets else 0)
    raw = "".join(chars)
    text, template_spans = blank_templates(raw)
    spans.extend(template_spans)
    spans.sort(key=lambda s: s.start)

    def to_file(offset: int) -> int:
        return offsets[min(max(offset, 0), len(offsets) - 1)]

    doc = parse_document(text, raw, spans, to_file, from_python=True)
    return doc


def _decode(source: SourceFile, web: WebSource, node: ast.AST) -> _Piece | None:
    start = web.offset_at(node.lineno, source.char_col(node.lineno, node.col_offset) - 1)  # type: ignore
    end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
    if end_line is None or end_col is None:
        return None
    end = web.offset_at(end_line, source.char_col(end_line, end_col) - 1)
    if re.match(r"[a-zA-Z]{0,2}[rR]", source.text[start : start + 3]):
        return None  # a raw string is a regular expression far more often than markup
    piece: _Piece | None = _Piece()
    try:
        _literals(source.text[start:end], start, piece)  # type: ignore[arg-type]
    except (ValueError, IndexError, KeyError):
        piece = None
    if isinstance(node, ast.Constant):
        value = str(node.value)
        if piece is None or "".join(piece.chars) != value:  # positions unknown: all at the literal
            return _Piece(list(value), [start] * len(value))
        return piece
    return piece if piece is not None and piece.chars else None


# --- one file as the design checks see it -----------------------------------------------------------


class WebSource:
    """A file's documents and stylesheet, parsed on first use and shared by every rule."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.kind = file_kind(source.path)
        self._starts: list[int] | None = None
        self._document: Document | None | bool = False
        self._sheet: stylesheet.Sheet | None = None

    # positions
    def line_starts(self) -> list[int]:
        if self._starts is None:
            starts = [0]
            for line in self.source._text_lines:  # the same line breaks as SourceFile.lines
                starts.append(starts[-1] + len(line))
            self._starts = starts
        return self._starts

    def offset_at(self, line: int, col0: int) -> int:
        starts = self.line_starts()
        return starts[min(max(line, 1), len(starts)) - 1] + col0

    def position(self, offset: int) -> tuple[int, int]:
        starts = self.line_starts()
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        if index >= len(self.source.lines):
            index = max(len(self.source.lines) - 1, 0)
        return index + 1, offset - starts[index] + 1

    # views
    @property
    def document(self) -> Document | None:
        if self._document is False:
            self._document = self._parse_document()
        return self._document  # type: ignore[return-value]

    def _parse_document(self) -> Document | None:
        text = self.source.text
        if self.kind == "html":
            if is_other_xml(text):
                return None  # an RSS or sitemap template, an SVG icon saved as .html: not a page
            blanked, spans = blank_templates(text)
            return parse_document(blanked, text, spans, _identity)
        if self.kind == "python":
            return python_document(self.source, self)
        return None

    @property
    def sheet(self) -> stylesheet.Sheet:
        if self._sheet is None:
            self._sheet = stylesheet.parse_chunks(self.chunks())
        return self._sheet

    def chunks(self) -> list[stylesheet.Chunk]:
        if self.kind == "css":
            text = self.source.text
            if self.source.path.lower().endswith(".css"):
                return [stylesheet.Chunk(text, _identity)]
            blanked, spans = blank_templates(text)
            return [
                stylesheet.Chunk(
                    blanked, _identity, dynamic=tuple((s.start, s.end) for s in spans if s.outputs)
                )
            ]
        doc = self.document
        return css_chunks(doc) if doc is not None else []


def _identity(offset: int) -> int:
    return offset


def css_chunks(doc: Document) -> list[stylesheet.Chunk]:
    """The `<style>` blocks and `style=""` attributes of a document."""
    chunks: list[stylesheet.Chunk] = []
    outputs = [(s.start, s.end) for s in doc.spans if s.outputs]
    for element in doc.elements:
        if element.tag == "style" and element.content_end >= element.tag_end:
            kind = element.attrs.get("type", "text/css").strip().lower()
            if kind not in ("", "text/css"):
                continue
            media = element.attrs.get("media", "").strip()
            context = (stylesheet.normalise_media(media),) if media and media != "all" else ()
            chunks.append(_chunk(doc, element.tag_end, element.content_end, outputs, media=context))
        span = element.values.get("style")
        if span is not None and "style" in element.attrs:
            chunks.append(_chunk(doc, span[0], span[1], outputs, element=element))
    return chunks


def _chunk(doc: Document, start: int, end: int, outputs: list[tuple[int, int]], *,
           media: tuple[str, ...] = (), element: Element | None = None) -> stylesheet.Chunk:  # fmt: skip
    dynamic = tuple((max(s, start) - start, min(e, end) - start) for s, e in outputs if s < end and start < e)
    raw = doc.text[start:end]
    if element is not None and "&" in raw:
        # an attribute's value is HTML-escaped: `font-family: &quot;Segoe UI&quot;` is valid CSS
        text, positions = _unescaped(raw)
        dynamic = tuple(
            (bisect.bisect_left(positions, s), bisect.bisect_left(positions, e)) for s, e in dynamic
        )

        def to_raw_file(offset: int) -> int:
            return doc.to_file(start + positions[min(max(offset, 0), len(positions) - 1)])

        return stylesheet.Chunk(text, to_raw_file, media=media, element=element, dynamic=dynamic)

    def to_file(offset: int) -> int:
        return doc.to_file(start + offset)

    return stylesheet.Chunk(raw, to_file, media=media, element=element, dynamic=dynamic)


_ENTITY_RX = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def _unescaped(raw: str) -> tuple[str, list[int]]:
    """`raw` with its character references decoded, and for each decoded offset (and the end) the
    offset in `raw` it comes from."""
    parts: list[str] = []
    positions: list[int] = []
    last = 0
    for m in _ENTITY_RX.finditer(raw):
        parts.append(raw[last : m.start()])
        positions.extend(range(last, m.start()))
        decoded = html.unescape(m.group(0))
        parts.append(decoded)
        positions.extend([m.start()] * len(decoded))
        last = m.end()
    parts.append(raw[last:])
    positions.extend(range(last, len(raw) + 1))
    return "".join(parts), positions


def web(source: SourceFile) -> WebSource:
    """The shared web view of a file: every design rule on this file uses the same parse."""
    view = source.views.get(WebSource)
    if view is None:
        view = source.views[WebSource] = WebSource(source)
    assert isinstance(view, WebSource)
    return view


# --- the project: facts computed once per run -------------------------------------------------------


def project_file(context: RunContext, path: str) -> WebSource | None:
    """Another tracked file, read and parsed once per run (for templates, bases and includes)."""
    source = context.file(path)
    return None if source is None else web(source)


def custom_properties(context: RunContext) -> dict[str, list[list[stylesheet.Node]]]:
    """Every custom property the project defines (`--x: value` in any tracked stylesheet or template)."""
    return context.fact(_custom_properties)


def _custom_properties(context: RunContext) -> dict[str, list[list[stylesheet.Node]]]:
    # A scan, not a parse: only the definitions' values are tokenized, so the project's big
    # stylesheets are not parsed a second time (or once more in every worker process).
    found: dict[str, dict[str, list[stylesheet.Node]]] = {}
    t = stylesheet.tinycss2()
    for path in sorted(context.repo_files):
        kind = file_kind(path)
        if kind not in ("css", "html"):
            continue
        source = context.file(path)
        if source is None or not _DEFINES_PROPERTY_RX.search(source.text):
            continue
        text = source.text
        if kind == "html" or not path.lower().endswith(".css"):
            text = blank_templates(text)[0]
        text = _CSS_COMMENT_RX.sub(lambda m: " " * len(m.group(0)), text)
        for m in _DEFINITION_RX.finditer(text):
            value = m.group(2).strip()
            if value and "<" not in value:
                found.setdefault(m.group(1), {}).setdefault(value, [])
    return {
        name: [t.parse_component_value_list(value, skip_comments=True) for value in values]
        for name, values in found.items()
    }


@dataclass(frozen=True)
class DesignTokens:
    """The team's design tokens (`design.tokens` in .ava-safety.yaml): the custom properties its
    design-system stylesheets define, and the colours they hold (the palette)."""

    files: tuple[str, ...]
    names: frozenset[str]
    colours: frozenset[stylesheet.RGB]


def design_tokens(context: RunContext) -> DesignTokens | None:
    """The declared design tokens; None when the config declares none (a rule's own list holds)."""
    return context.fact(_design_tokens)


def _design_tokens(context: RunContext) -> DesignTokens | None:
    from .._glob import PathMatcher

    globs = context.config.design_tokens
    if not globs:
        return None
    matcher = PathMatcher(globs)
    files = tuple(sorted(p for p in context.repo_files if matcher(p) and file_kind(p) in ("css", "html")))
    project = custom_properties(context)
    t = stylesheet.tinycss2()
    names: set[str] = set()
    colours: set[stylesheet.RGB] = set()
    for path in files:
        source = context.file(path)
        if source is None:
            continue
        text = source.text if path.lower().endswith(".css") else blank_templates(source.text)[0]
        text = _CSS_COMMENT_RX.sub(lambda m: " " * len(m.group(0)), text)
        for m in _DEFINITION_RX.finditer(text):
            names.add(m.group(1))
            value = m.group(2).strip()
            if not value or "<" in value:
                continue
            nodes = t.parse_component_value_list(value, skip_comments=True)
            colours.update(c.rgb for c in stylesheet.colours(nodes, resolve=project.get))
    return DesignTokens(files, frozenset(names), frozenset(colours))


def resolver(source: SourceFile) -> Callable[[str], list[list[stylesheet.Node]] | None]:
    """`var(--x)` lookup: the project's definitions, and this file's own (it may not be tracked)."""
    view = web(source)
    own: dict[str, list[list[stylesheet.Node]]] | None = None

    def resolve(name: str) -> list[list[stylesheet.Node]] | None:
        nonlocal own
        project = custom_properties(source.context)
        if name in project:
            return project[name]
        if own is None:
            own = {}
            for decl in view.sheet.decls():
                if decl.name.startswith("--") and not decl.dynamic:
                    own.setdefault(decl.name, []).append(decl.value)
        return own.get(name)

    return resolve


def find_template(context: RunContext, name: str, near: str) -> str | None:
    """The tracked template a `{% extends %}`/`{% include %}` name refers to, or None."""
    index = context.fact(_template_index)
    base = name.rsplit("/", 1)[-1]
    candidates = [p for p in index.get(base, []) if p == name or p.endswith("/" + name)]
    if not candidates:
        return None
    preferred = [p for p in candidates if p.endswith("templates/" + name)] or candidates

    def shared(path: str) -> int:
        a, b = path.split("/"), near.split("/")
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    return sorted(preferred, key=lambda p: (-shared(p), p))[0]


def _template_index(context: RunContext) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for path in context.repo_files:
        if file_kind(path) == "html":
            index.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    return index


def related_documents(source: SourceFile, doc: Document, *, parents: bool) -> tuple[list[Document], bool]:
    """This document, what it includes and (with `parents`) what it extends, recursively.

    Returns the documents and whether every reference could be followed (a dynamic or missing
    include or base makes the answer partial).
    """
    out: list[Document] = [doc]
    complete = True
    seen = {source.path}
    queue: list[tuple[str, Document]] = [(source.path, doc)]
    while queue and len(seen) < 50:
        path, current = queue.pop()
        refs = current.refs
        names = list(refs.includes)
        if refs.includes_dynamic:
            complete = False
        if parents and refs.extends_dynamic:
            complete = False
        if parents and refs.extends:
            names.append(refs.extends)
        for name in names:
            target = find_template(source.context, name, path)
            if target is None:
                complete = False
                continue
            if target in seen:
                continue
            seen.add(target)
            view = project_file(source.context, target)
            other = view.document if view is not None else None
            if other is None:
                complete = False
                continue
            out.append(other)
            queue.append((target, other))
    return out, complete


def pages_loading(context: RunContext, names: Sequence[str]) -> bool:
    """Whether any tracked template or page loads a script whose src names one of `names`."""
    answers = context.fact(_pages_loading_answers)
    key = tuple(names)
    if key not in answers:
        answers[key] = _loads_script(context, names)
    return answers[key]


def _pages_loading_answers(context: RunContext) -> dict[tuple[str, ...], bool]:
    return {}  # filled by pages_loading, once per run for each set of names


def _loads_script(context: RunContext, names: Sequence[str]) -> bool:
    rx = re.compile(r"<script\b[^>]*?\bsrc\s*=[^>]*?(?:" + "|".join(map(re.escape, names)) + ")", re.I)
    for path in sorted(context.repo_files):
        if file_kind(path) != "html":
            continue
        source = context.file(path)
        if source is not None and rx.search(source.text):
            return True
    return False
