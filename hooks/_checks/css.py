"""`css`: constraints on declarations, with values understood (lengths, colours, var()), not matched as text.

A rule names properties and one assertion: `min` (a length, with `min-for` entries for particular
selectors or media), `allowed-colours`, `forbid` (values, unless the block replaces them),
`invalid` (what tinycss2 cannot parse, a custom property without var()) or `unresolved-var`.
`selectors`/`not-selectors` and `media`/`not-media` say where a rule applies. CSS comes from .css
files, `<style>` blocks and `style=""` attributes of templates, and HTML strings in Python code.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from .._source import Match, SourceFile
from .._web import stylesheet
from . import CheckError, CheckKind, register

WEB_FILES = ("**/*.html", "**/*.htm", "**/*.xhtml", "**/*.jinja", "**/*.jinja2", "**/*.j2", "**/*.djhtml")
STYLE_FILES = ("**/*.css", *WEB_FILES, "**/*.py")
INTERACTION_STATES = frozenset(
    {":hover", ":active", ":focus", ":focus-visible", ":focus-within", ":visited", ":link", ":target"}
)
PSEUDO_ELEMENTS = frozenset({":before", ":after", ":first-line", ":first-letter"})  # CSS2 one-colon forms
ASSERTIONS = ("min", "allowed-colours", "forbid", "invalid", "unresolved-var")
COLOUR_PROPERTIES = ("color", "background-color", "border*color", "outline-color", "fill", "stroke",
                     "caret-color", "accent-color", "text-decoration-color", "column-rule-color")  # fmt: skip
VALUE_PROPERTIES = (
    *COLOUR_PROPERTIES, "background", "border", "border-*", "outline", "outline-*", "font", "font-size",
    "font-weight", "line-height", "letter-spacing", "word-spacing", "margin*", "padding*", "width", "height",
    "min-*", "max-*", "top", "right", "bottom", "left", "inset*", "gap", "row-gap", "column-gap", "opacity",
    "z-index", "flex-basis", "box-shadow", "text-shadow", "text-indent", "transform", "translate", "rotate",
    "scale",
)  # fmt: skip
_LENGTH_RX = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(px|rem|em|pt)\s*$")
_STYLE_RX = re.compile(r"style", re.I)


@functools.lru_cache(maxsize=4096)
def globs_match(globs: tuple[str, ...], name: str) -> bool:
    """Whether a property name matches one of these globs (`border*`); asked once per name and rule."""
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def parse_length(value: Any, key: str, root_px: float = stylesheet.ROOT_FONT_PX) -> float:
    """A length written in a rule (`18px`, `1.125rem`, `13.5pt`) in px."""
    m = _LENGTH_RX.match(str(value)) if isinstance(value, (str, int, float)) else None
    if m is None or isinstance(value, bool):
        raise CheckError(key, f"'{key}' must be a length such as 18px, 1.125rem or 13.5pt")
    number, unit = float(m.group(1)), m.group(2)
    return number * {"px": 1.0, "pt": 4 / 3, "rem": root_px, "em": root_px}[unit]


def string_list(value: Any, key: str, *, split_commas: bool = False) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise CheckError(key, f"'{key}' must be a string or a non-empty list of strings")
    if split_commas:
        return tuple(s for item in items for s in stylesheet.selector_list(item))
    return tuple(item.strip() for item in items)


def compounds(value: Any, key: str) -> tuple[stylesheet.Compound, ...]:
    if value is None:
        return ()
    return tuple(stylesheet.parse_compound(s) for s in string_list(value, key, split_commas=True))


@dataclass(frozen=True)
class Scope:
    """Where a rule (or one `min-for` entry) applies: selectors and media."""

    selectors: tuple[stylesheet.Compound, ...] = ()
    not_selectors: tuple[stylesheet.Compound, ...] = ()
    media: tuple[str, ...] = ()
    not_media: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()  # globs; empty: every property the rule names
    # `states`: a selector applies only in these interaction states (`focus` for `:focus`): when its
    # subject names one of them, or names no interaction state at all (then it holds in every state);
    # `a:hover`, `a:active` and pseudo-elements (`::-moz-focus-inner`) are other states or boxes
    states: tuple[str, ...] = ()

    @classmethod
    def of(cls, fields: Mapping[str, Any], prefix: str = "") -> Scope:
        media = fields.get("media")
        not_media = fields.get("not-media")
        props = fields.get("property")
        return cls(
            compounds(fields.get("selectors"), prefix + "selectors"),
            compounds(fields.get("not-selectors"), prefix + "not-selectors"),
            string_list(media, prefix + "media") if media is not None else (),
            string_list(not_media, prefix + "not-media") if not_media is not None else (),
            tuple(p.lower() for p in string_list(props, prefix + "property")) if props is not None else (),
            tuple(":" + st.lower().lstrip(":") for st in string_list(fields["states"], prefix + "states"))
            if fields.get("states") is not None
            else (),
        )

    def wants(self, prop: str) -> bool:
        return not self.properties or globs_match(self.properties, prop)

    def matching(self, block: stylesheet.Block) -> list[str]:
        """The selectors of this block that the scope applies to (for a style attribute: the element)."""
        if not all(stylesheet.media_within(block.media, m) for m in self.media):
            return []
        if any(stylesheet.media_within(block.media, m) for m in self.not_media):
            return []
        element = block.element
        if element is not None:
            if (self.not_selectors or self.selectors) and (
                element.dynamic_attrs or {"class", "id"} & element.dynamic_values
            ):
                return []  # which selectors it matches depends on the template's data
            attrs = element.attrs
            if self.selectors and not any(
                stylesheet.element_matches(c, element.tag, attrs) for c in self.selectors
            ):
                return []
            if any(stylesheet.element_matches(c, element.tag, attrs) for c in self.not_selectors):
                return []
            return [block.label]
        if not block.selectors:
            return [] if self.selectors else [block.label]
        return [
            s.text
            for s in block.selectors
            if (not self.selectors or any(c.covers(s.subject) for c in self.selectors))
            and not any(c.covers(s.subject) for c in self.not_selectors)
            and self._in_states(s.subject)
        ]

    def _in_states(self, subject: stylesheet.Compound) -> bool:
        if not self.states:
            return True
        names = {p.split("(")[0] for p in subject.pseudos}
        if any(n.startswith("::") or n in PSEUDO_ELEMENTS for n in names):
            return False
        named = names & INTERACTION_STATES
        return not named or bool(named & set(self.states))


@dataclass(frozen=True)
class Palette:
    """The colours an `allowed-colours` rule accepts: the team's design tokens (`design.tokens`),
    their values and any var() of one, when declared; else the rule's own list."""

    colours: frozenset[stylesheet.RGB]
    tokens: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Minimum:
    scope: Scope
    px: float
    name: str


class CssChecker:
    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = True
    needs_tree: ClassVar[bool] = False
    reports_syntax_errors: ClassVar[bool] = False

    def __init__(self, fields: Mapping[str, Any]) -> None:
        chosen = [a for a in ASSERTIONS if a in fields]
        if len(chosen) != 1:
            raise CheckError(None, f"a css rule needs exactly one of: {', '.join(ASSERTIONS)}")
        self.assertion = chosen[0]
        if "property" not in fields and self.assertion in ("min", "allowed-colours", "forbid"):
            raise CheckError(None, f"check kind 'css' with '{self.assertion}' needs 'property'")
        self.root_px = parse_length(fields.get("root-font-size", "16px"), "root-font-size")
        self.scope = Scope.of(fields)
        label = fields.get("label", "")
        if not isinstance(label, str):
            raise CheckError("label", "'label' must be a string")
        self.minimums: list[Minimum] = []
        if self.assertion == "min":
            base = parse_length(fields["min"], "min", self.root_px)
            self.minimums = self._min_for(fields.get("min-for", []))
            self.base = Minimum(self.scope, base, label or "every selector")
        elif "min-for" in fields:
            raise CheckError("min-for", "'min-for' goes with 'min'")
        self.allowed: frozenset[stylesheet.RGB] = frozenset()
        if self.assertion == "allowed-colours":
            self.allowed = self._palette(fields["allowed-colours"])
        self.forbid: frozenset[str] = frozenset()
        self.unless: tuple[str, ...] = ()
        if self.assertion == "forbid":
            raw = fields["forbid"]
            values = raw if isinstance(raw, list) else [raw]
            if not values or any(isinstance(v, (dict, list)) or not str(v).strip() for v in values):
                raise CheckError("forbid", "'forbid' must be a value or a list of values")
            self.forbid = frozenset(" ".join(str(v).lower().split()) for v in values)
            if "unless-block-has" in fields:
                self.unless = tuple(
                    p.lower() for p in string_list(fields["unless-block-has"], "unless-block-has")
                )
        elif "unless-block-has" in fields:
            raise CheckError("unless-block-has", "'unless-block-has' goes with 'forbid'")
        for key in ("invalid", "unresolved-var"):
            if key in fields and fields[key] is not True:
                raise CheckError(key, f"'{key}' must be true")
        self.elsewhere: tuple[str, ...] = ()
        if "defined-elsewhere" in fields:
            if self.assertion != "unresolved-var":
                raise CheckError("defined-elsewhere", "'defined-elsewhere' goes with 'unresolved-var'")
            self.elsewhere = string_list(fields["defined-elsewhere"], "defined-elsewhere")

    def _min_for(self, entries: Any) -> list[Minimum]:
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            raise CheckError("min-for", "'min-for' must be a list of {selectors, min, name, media...}")
        known = {"selectors", "not-selectors", "media", "not-media", "property", "min", "name"}
        out = []
        for i, entry in enumerate(entries):
            unknown = sorted(set(entry) - known)
            if unknown:
                raise CheckError(
                    "min-for", f"min-for[{i}]: unknown key '{unknown[0]}' (known: {', '.join(sorted(known))})"
                )
            if "min" not in entry:
                raise CheckError("min-for", f"min-for[{i}] needs 'min'")
            scope = Scope.of(entry, f"min-for[{i}].")
            name = entry.get("name")
            if name is None:
                name = (
                    ", ".join(string_list(entry["selectors"], "min-for"))
                    if "selectors" in entry
                    else "min-for"
                )
            out.append(
                Minimum(scope, parse_length(entry["min"], f"min-for[{i}].min", self.root_px), str(name))
            )
        return out

    @staticmethod
    def _palette(value: Any) -> frozenset[stylesheet.RGB]:
        items = value if isinstance(value, list) else None
        if not items:
            raise CheckError("allowed-colours", "'allowed-colours' must name a pack list or list hex colours")
        out = set()
        for item in items:
            parsed = stylesheet.hex_rgb(item.strip()) if isinstance(item, str) else None
            if parsed is None:
                raise CheckError("allowed-colours", f"{item!r} is not a hex colour like '#6B7D46'")
            out.add(parsed[0])
        return frozenset(out)

    # --- running ----------------------------------------------------------------------------------

    def admits(self, source: SourceFile) -> bool:
        from .._web import markup

        kind = markup.file_kind(source.path)
        if kind == "css":
            return True
        if kind == "html":
            return _STYLE_RX.search(source.text) is not None
        if kind == "python":
            return _STYLE_RX.search(source.text) is not None and bool(
                markup.HTML_IN_PYTHON_RX.search(source.text)
            )
        return False

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        from .._web import markup

        view = markup.web(source)
        sheet = view.sheet
        resolve = markup.resolver(source)
        tokens = markup.design_tokens(source.context) if self.assertion == "allowed-colours" else None
        palette = Palette(self.allowed) if tokens is None else Palette(tokens.colours, tokens.names)

        def at(offset: int, **values: str) -> Match:
            line, col = view.position(offset)
            return Match(line, col, values)

        if self.assertion == "invalid":
            for offset, problem in sheet.problems:
                yield at(offset, problem=problem)
        for block in sheet.blocks:
            labels = self.scope.matching(block)
            if not labels:
                continue
            for decl in block.decls:
                if decl.dynamic or not self._wants(decl.name):
                    continue
                for offset, values in self._check(decl, labels, resolve, palette):
                    yield at(offset, **{"property": decl.name, "selector": labels[0], **values})

    def _wants(self, prop: str) -> bool:
        if self.assertion in ("invalid", "unresolved-var") and not self.scope.properties:
            return True
        if prop.startswith("--") and not any(p.startswith("--") for p in self.scope.properties):
            return False
        return self.scope.wants(prop)

    def _check(
        self, decl: stylesheet.Decl, labels: list[str], resolve: stylesheet.Resolve, palette: Palette
    ) -> Iterator[tuple[int, dict[str, str]]]:
        if self.assertion == "min":
            yield from self._check_min(decl, labels, resolve)
        elif self.assertion == "allowed-colours":
            seen: set[int] = set()
            for colour in stylesheet.colours(decl.value, resolve=resolve):
                if colour.alpha == 0 or colour.rgb in palette.colours or id(colour.node) in seen:
                    continue
                if palette.tokens and stylesheet.var_name(colour.node) in palette.tokens:
                    continue  # var(--token) of a declared design token: the palette by definition
                seen.add(id(colour.node))
                yield (
                    decl.offset_of(colour.node),
                    {"colour": colour.text, "hex": stylesheet.rgb_hex(colour.rgb)},
                )
        elif self.assertion == "forbid":
            yield from self._check_forbid(decl)
        elif self.assertion == "invalid":
            yield from self._check_invalid(decl)
        else:
            for node, name, fallback in stylesheet.var_calls(decl.value):
                if fallback or not name.startswith("--") or resolve(name) is not None:
                    continue
                if globs_match(self.elsewhere, name):
                    continue
                yield decl.offset_of(node), {"var": name}

    def _check_min(
        self, decl: stylesheet.Decl, labels: list[str], resolve: stylesheet.Resolve
    ) -> Iterator[tuple[int, dict[str, str]]]:
        block = decl.block
        is_font = decl.name in ("font-size", "font")
        nodes: Sequence[Any] = decl.value
        if decl.name == "font":
            size_part = stylesheet.font_size_nodes(decl.value)
            if size_part is None:
                return
            nodes = size_part
        font_px = self.root_px
        if not is_font:
            size = block.last("font-size")
            known = None
            if size is not None:
                known = stylesheet.lower_bound(
                    size.value, resolve=resolve, root_px=self.root_px, percent_of=self.root_px,
                    keywords=stylesheet.FONT_KEYWORDS,
                )  # fmt: skip
            font_px = known.px if known is not None else self.root_px
        length = stylesheet.lower_bound(
            nodes, resolve=resolve, font_px=font_px, root_px=self.root_px,
            percent_of=self.root_px if is_font else None,
            keywords=stylesheet.FONT_KEYWORDS if is_font else None,
            relative_font=is_font,
        )  # fmt: skip
        if length is None or length.px == 0:
            return  # `min-height: 0` and `font-size: 0` remove, they do not size
        worst: Minimum | None = None
        selector = labels[0]
        for label in labels:
            need = self._minimum_for(block, label, decl.name)
            if length.px < need.px - 1e-6 and (worst is None or need.px > worst.px):
                worst, selector = need, label  # `button, input {...}`: name the input the minimum is for
        if worst is not None:
            yield decl.offset_of(length.node), {
                "value": decl.text, "actual": length.text, "px": stylesheet.px_text(length.px),
                "min": stylesheet.px_text(worst.px), "applies": worst.name, "selector": selector,
            }  # fmt: skip

    def _minimum_for(self, block: stylesheet.Block, label: str, prop: str) -> Minimum:
        for entry in self.minimums:
            if entry.scope.wants(prop) and label in entry.scope.matching(block):
                return entry
        return self.base

    def _check_forbid(self, decl: stylesheet.Decl) -> Iterator[tuple[int, dict[str, str]]]:
        value = decl.text.lower()
        if value not in self.forbid:
            return
        later = decl.block.decls[decl.block.decls.index(decl) + 1 :]
        if any(d.name == decl.name and d.text.lower() not in self.forbid for d in later):
            return  # overridden in the same block
        for other in decl.block.decls:
            if (
                other is decl
                or other.dynamic
                or other.text.lower() in ("none", "0", "transparent", "initial", "unset")
            ):
                continue
            if globs_match(self.unless, other.name):
                return
        yield decl.offset, {"value": decl.text}

    @staticmethod
    def _holds_values(prop: str) -> bool:
        """Properties whose value is a colour, length or number: a `--name` there is a missing var().

        (`transition: --x 1s`, `anchor-name: --tip`, `will-change: --x` name properties on purpose.)
        """
        return globs_match(VALUE_PROPERTIES, prop)

    def _check_invalid(self, decl: stylesheet.Decl) -> Iterator[tuple[int, dict[str, str]]]:
        if decl.name.startswith("--"):
            return  # a custom property's value may be any tokens
        bare = stylesheet.bare_custom_properties(decl.value) if self._holds_values(decl.name) else iter(())
        for node in bare:
            yield (
                decl.offset_of(node),
                {"problem": f"custom property {node.value} used without var({node.value})"},
            )
        for node, name, _ in stylesheet.var_calls(decl.value):
            if not name.startswith("--"):
                yield decl.offset_of(node), {"problem": "var() needs a custom property name starting with --"}
        if globs_match(COLOUR_PROPERTIES, decl.name):
            for node in decl.value:
                if node.type == "hash" and stylesheet.hex_rgb(node.value) is None:
                    yield (
                        decl.offset_of(node),
                        {"problem": f"#{node.value} is not a colour (3, 4, 6 or 8 hex digits)"},
                    )


register(
    CheckKind(
        name="css",
        fields=frozenset(
            {
                "property",
                "selectors",
                "not-selectors",
                "media",
                "not-media",
                "states",
                "label",
                "min",
                "min-for",
                "root-font-size",
                "allowed-colours",
                "forbid",
                "unless-block-has",
                "invalid",
                "unresolved-var",
                "defined-elsewhere",
            }
        ),  # fmt: skip
        required=frozenset(),
        compile=CssChecker,
        default_files=STYLE_FILES,
        list_fields=frozenset({"allowed-colours"}),
    )
)
