"""`html`: element and attribute constraints on a parsed document that tolerates template syntax.

One assertion per rule: `require-attribute` (with `non-empty`), `require-name` (text or an ARIA
name), `require-label`, `require-element` (on full pages), `heading-order`, `enter-key`,
`well-formed`. `element`/`not-element` pick the elements (compound selectors such as
`input[type=image]`). What a template prints is unknown here, so a rule never fires on an element
whose relevant attribute or content comes from template output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .._source import Match, SourceFile
from .._web import stylesheet
from . import CheckError, CheckKind, register
from .css import WEB_FILES, compounds, string_list
from .regexes import begin, compile_rule_regex

if TYPE_CHECKING:
    from .._web.markup import Document, Element

ASSERTIONS = ("require-attribute", "require-name", "require-label", "require-element", "heading-order",
              "enter-key", "well-formed")  # fmt: skip
NAME_ATTRIBUTES = ("aria-label", "aria-labelledby", "title")
UNLABELLED_INPUTS = frozenset({"hidden", "submit", "button", "reset", "image"})
# input types whose Enter key submits a form (HTML's "fields that block implicit submission")
TEXT_INPUTS = ("text", "search", "url", "tel", "email", "password", "date", "month", "week", "time",
               "datetime-local", "number")  # fmt: skip
# matched against `name=value` of each attribute: onkeydown, @keyup.enter, x-on:keydown, (keyup), hx-trigger
KEY_HANDLER = (
    r"^(?:on|@|v-on:|x-on:)key(?:down|up|press)\b|^\(key(?:down|up|press)\b"
    r"|^hx-trigger=.*\bkey(?:down|up|press)\b"
)
HEAD_ELEMENTS = frozenset({"meta", "link", "title", "base"})
HIDDEN_CLASSES = frozenset({"hidden", "d-none", "is-hidden", "hide", "invisible"})
SUBMIT_HINT_RX = re.compile(r"submit|button|\bbtn", re.I)
ENTER_KEYS = frozenset({"scripts", "key-handler", "types"})


class HtmlChecker:
    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = True
    needs_tree: ClassVar[bool] = False
    reports_syntax_errors: ClassVar[bool] = False

    def __init__(self, fields: Mapping[str, Any]) -> None:
        chosen = [a for a in ASSERTIONS if a in fields]
        if len(chosen) != 1:
            raise CheckError(None, f"an html rule needs exactly one of: {', '.join(ASSERTIONS)}")
        self.assertion = chosen[0]
        default = {"enter-key": "input"}.get(self.assertion)
        if "element" not in fields and default is None and self.assertion in (
            "require-attribute", "require-name", "require-label"
        ):  # fmt: skip
            raise CheckError(None, f"check kind 'html' with '{self.assertion}' needs 'element'")
        self.element = compounds(fields.get("element", default), "element")
        self.not_element = compounds(fields.get("not-element"), "not-element")
        scope = fields.get("scope", "page" if self.assertion == "require-element" else "any")
        if scope not in ("any", "page"):
            raise CheckError("scope", "'scope' must be 'any' or 'page' (full pages: <html> or <body>)")
        self.page_only = scope == "page"
        self.attributes: tuple[str, ...] = ()
        if self.assertion == "require-attribute":
            names = string_list(fields["require-attribute"], "require-attribute")  # any one of them will do
            self.attributes = tuple(n.lower() for n in names)
        self.non_empty = fields.get("non-empty", False)
        if not isinstance(self.non_empty, bool):
            raise CheckError("non-empty", "'non-empty' must be true or false")
        if "non-empty" in fields and self.assertion != "require-attribute":
            raise CheckError("non-empty", "'non-empty' goes with 'require-attribute'")
        for key in ("require-name", "require-label", "heading-order", "well-formed"):
            if key in fields and fields[key] is not True:
                raise CheckError(key, f"'{key}' must be true")
        self.required: tuple[stylesheet.Compound, ...] = ()
        self.required_text = ""
        if self.assertion == "require-element":
            texts = string_list(fields["require-element"], "require-element", split_commas=True)
            self.required = tuple(stylesheet.parse_compound(t) for t in texts)
            self.required_text = ", ".join(texts)
        self._configure_enter_key(fields.get("enter-key"))

    def _configure_enter_key(self, spec: Any) -> None:
        self.scripts: tuple[str, ...] = ()
        self.key_handler = re.compile(KEY_HANDLER)
        self.text_types = frozenset(TEXT_INPUTS)
        if spec is None:
            return
        if spec is True:
            spec = {}
        if not isinstance(spec, Mapping):
            raise CheckError(
                "enter-key", "'enter-key' must be true or a mapping {scripts, key-handler, types}"
            )
        unknown = sorted(set(spec) - ENTER_KEYS)
        if unknown:
            raise CheckError(
                "enter-key", f"enter-key: unknown key '{unknown[0]}' (known: {', '.join(sorted(ENTER_KEYS))})"
            )
        if "scripts" in spec:
            self.scripts = string_list(spec["scripts"], "enter-key")
        if "types" in spec:
            self.text_types = frozenset(t.lower() for t in string_list(spec["types"], "enter-key"))
        if "key-handler" in spec:
            try:
                self.key_handler = compile_rule_regex(spec["key-handler"], "key-handler", 0)
            except CheckError as exc:
                raise CheckError("enter-key", f"enter-key: {exc.message}") from None

    # --- running ----------------------------------------------------------------------------------

    def admits(self, source: SourceFile) -> bool:
        from .._web import markup

        begin(self.key_handler, source)
        kind = markup.file_kind(source.path)
        if kind == "html":
            return True
        return kind == "python" and markup.HTML_IN_PYTHON_RX.search(source.text) is not None

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        from .._web import markup

        view = markup.web(source)
        doc = view.document
        if doc is None or (self.page_only and not doc.is_page):
            return

        def at(offset: int, **values: str) -> Match:
            line, col = view.position(doc.to_file(offset))
            return Match(line, col, values)

        check = getattr(self, "_" + self.assertion.replace("-", "_"))
        for offset, values in check(source, doc):
            yield at(offset, **values)

    def _selected(self, element: Element) -> bool:
        used = {
            part.split("=")[0].rstrip("~|^$*") for c in (*self.element, *self.not_element) for part in c.attrs
        }
        if used & element.dynamic_values or (used and element.dynamic_attrs):
            return False  # which elements these are depends on the template's data
        attrs = element.attrs
        return any(stylesheet.element_matches(c, element.tag, attrs) for c in self.element) and not any(
            stylesheet.element_matches(c, element.tag, attrs) for c in self.not_element
        )

    def _require_attribute(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        wanted = self.attributes
        for element in doc.elements:
            if not self._selected(element) or element.dynamic_attrs or _hidden(element):
                continue
            present = [n for n in wanted if n in element.attrs]
            if not present:
                yield element.start, {"element": element.tag, "attribute": wanted[0]}
            elif self.non_empty and not any(
                element.attrs[n].strip() or n in element.dynamic_values for n in present
            ):
                yield element.values[present[0]][0], {"element": element.tag, "attribute": present[0]}

    def _require_name(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        for element in doc.elements:
            if not self._selected(element) or element.dynamic_attrs or _named(element) or _hidden(element):
                continue
            if not _has_text(element):
                yield element.start, {"element": element.tag}

    def _require_label(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        labels = doc.by_tag("label")
        targets = {label.attrs["for"] for label in labels if "for" in label.attrs}
        unknown_targets = any("for" in label.dynamic_values or label.dynamic_attrs for label in labels)
        for element in doc.elements:
            if not self._selected(element) or element.dynamic_attrs or "type" in element.dynamic_values:
                continue
            if (
                element.tag == "input"
                and element.attrs.get("type", "text").strip().lower() in UNLABELLED_INPUTS
            ):
                continue
            if _named(element) or _hidden(element) or any(a.tag == "label" for a in element.ancestors()):
                continue
            ident = element.attrs.get("id", "").strip()
            if "id" in element.dynamic_values or (ident and (ident in targets or unknown_targets)):
                continue
            yield element.start, {"element": element.tag, "name": _describe(element)}

    def _require_element(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        from .._web import markup

        docs, complete = markup.related_documents(source, doc, parents=False)
        for other in docs:
            for element in other.elements:
                if any(stylesheet.element_matches(c, element.tag, element.attrs) for c in self.required):
                    return
        if not complete:
            return  # an include we cannot follow may hold it
        in_head = all(c.tag in HEAD_ELEMENTS for c in self.required)
        anchor = (doc.first("head") if in_head else doc.first("body")) or doc.first("html", "body")
        yield (anchor.start if anchor else 0), {"element": self.required_text}

    def _heading_order(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        previous = 0
        for element in doc.elements:
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "123456":
                level = int(element.tag[1])
                if previous and level > previous + 1:
                    yield element.start, {"tag": element.tag, "previous": f"h{previous}",
                                          "expected": f"h{previous + 1}"}  # fmt: skip
                previous = level

    def _well_formed(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        problems = list(doc.problems)
        if doc.is_page and not doc.from_python:
            problems += doc.stray_ends  # fragments and partials may close what another file opened
        for offset, problem in sorted(problems):
            yield offset, {"problem": problem}

    def _enter_key(self, source: SourceFile, doc: Document) -> Iterator[tuple[int, dict[str, str]]]:
        script: bool | None = None
        for element in doc.by_tag("input"):
            if not self._selected(element) or element.dynamic_attrs or "type" in element.dynamic_values:
                continue
            kind = element.attrs.get("type", "text").strip().lower() or "text"
            if kind not in self.text_types or "disabled" in element.attrs or _hidden(element):
                continue
            if any(self.key_handler.search(f"{n}={v}") for n, v in element.attrs.items()):
                continue
            form = _form_of(doc, element)
            if form is not None and self._submits(doc, form):
                continue
            if script is None:
                script = self._loads_script(source, doc)
            if script:
                continue
            yield (
                element.start,
                {"name": _describe(element), "scripts": ", ".join(self.scripts) or "a script"},
            )

    def _submits(self, doc: Document, form: Element | bool) -> bool:
        """Whether Enter in this form submits it: a submit button, or one text field and no button."""
        if form is True:
            return True  # its form is named by template data: not known here
        assert not isinstance(form, bool)
        members = [e for e in form.descendants()]
        ident = form.attrs.get("id", "").strip()
        if ident:
            members += [
                e for e in doc.elements if e.attrs.get("form", "").strip() == ident and e not in members
            ]
        for element in members:
            kind = element.attrs.get("type", "").strip().lower()
            if element.tag == "button" and (kind in ("", "submit") or "type" in element.dynamic_values):
                return True
            if element.tag == "input" and kind in ("submit", "image"):
                return True
        outputs = [s for s in doc.spans if s.outputs and form.tag_end <= s.start < form.close]
        if any(SUBMIT_HINT_RX.search(doc.raw[s.start : s.end]) for s in outputs):
            return True  # e.g. {{ form.submit() }}, {% include "submit_button.html" %}
        fields = [e for e in members if e.tag == "input" and
                  (e.attrs.get("type", "text").strip().lower() or "text") in TEXT_INPUTS]  # fmt: skip
        return len(fields) == 1 and not any(e.dynamic_text for e in [form, *members])

    def _loads_script(self, source: SourceFile, doc: Document) -> bool:
        from .._web import markup

        if not self.scripts:
            return False
        page_like = doc.is_page or doc.refs.extends is not None or doc.refs.extends_dynamic
        docs, complete = markup.related_documents(source, doc, parents=True)
        for other in docs:
            for element in other.by_tag("script"):
                src = element.raw_value(other, "src")
                if any(name in src for name in self.scripts):
                    return True
        if not complete:
            return True  # a base or include we cannot follow may load it
        if page_like:
            return False
        # a fragment (partial, Python string) is shown inside some page: any page loading it counts
        return markup.pages_loading(source.context, self.scripts)


def _form_of(doc: Document, element: Element) -> Element | bool | None:
    if "form" in element.dynamic_values:
        return True
    owner = element.attrs.get("form", "").strip()
    if owner:
        for candidate in doc.by_tag("form"):
            if candidate.attrs.get("id", "").strip() == owner:
                return candidate
        return None
    for ancestor in element.ancestors():
        if ancestor.tag == "form":
            return ancestor
    return None


def _hidden(element: Element) -> bool:
    """Not shown to anyone: `hidden`, aria-hidden, display:none, or a class that says so, here or above."""
    for node in (element, *element.ancestors()):
        attrs = node.attrs
        if "hidden" in attrs or attrs.get("aria-hidden", "").strip().lower() == "true":
            return True
        style = "".join(attrs.get("style", "").lower().split())
        if "display:none" in style or "visibility:hidden" in style:
            return True
        if HIDDEN_CLASSES & set(attrs.get("class", "").split()):
            return True
    return False


def _named(element: Element) -> bool:
    return any(element.attrs.get(a, "").strip() or a in element.dynamic_values for a in NAME_ATTRIBUTES)


def _has_text(element: Element) -> bool:
    if element.dynamic_text or "".join(element.text).strip():
        return True
    for child in element.children:
        if (
            child.tag in ("script", "style", "template")
            or child.attrs.get("aria-hidden", "").lower() == "true"
        ):
            continue
        if child.tag == "img" and (child.attrs.get("alt", "").strip() or "alt" in child.dynamic_values):
            return True
        if _named(child) and child.tag != "img" or _has_text(child):
            return True
    return False


def _describe(element: Element) -> str:
    for attr in ("name", "id"):
        value = element.attrs.get(attr, "").strip()
        if value and attr not in element.dynamic_values:
            return f'<{element.tag} {attr}="{value}">'
    kind = element.attrs.get("type", "").strip()
    return f'<{element.tag} type="{kind}">' if kind else f"<{element.tag}>"


register(
    CheckKind(
        name="html",
        fields=frozenset({"element", "not-element", "scope", "non-empty", *ASSERTIONS}),
        required=frozenset(),
        compile=HtmlChecker,
        default_files=(*WEB_FILES, "**/*.py"),
    )
)
