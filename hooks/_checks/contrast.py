"""`contrast`: the WCAG 2.x contrast ratio of a declared text colour over the background declared with it.

Only what one rule block (or one element's `style=""`) declares is compared: `color` with
`background-color` or a plain-colour `background`. Colours are resolved through var(); a background
image or gradient, a translucent background, or a colour that is not known makes no finding. Text is
large from 24px, or 18.66px bold (WCAG: 18pt, 14pt bold); without a font-size in the block, headings
take the browser's default size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from .._source import Match, SourceFile
from .._web import stylesheet
from . import CheckError, CheckKind, register
from .css import STYLE_FILES, parse_length

# the browsers' default font sizes (px) of headings, which are bold
HEADINGS = {"h1": 32.0, "h2": 24.0, "h3": 18.72, "h4": 16.0, "h5": 13.28, "h6": 10.72}
BOLD_TAGS = frozenset({*HEADINGS, "b", "strong", "th"})


def _ratio(value: Any, key: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 21:
        raise CheckError(key, f"'{key}' must be a contrast ratio between 1 and 21, such as 4.5")
    return float(value)


class ContrastChecker:
    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = True
    needs_tree: ClassVar[bool] = False
    reports_syntax_errors: ClassVar[bool] = False

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.normal = _ratio(fields.get("normal"), "normal", 4.5)
        self.large = _ratio(fields.get("large"), "large", 3.0)
        self.large_px = parse_length(fields.get("large-size", "24px"), "large-size")
        self.large_bold_px = parse_length(fields.get("large-bold-size", "18.66px"), "large-bold-size")

    def admits(self, source: SourceFile) -> bool:
        from .._web import markup

        text = source.text
        return (
            markup.file_kind(source.path) in ("css", "html", "python")
            and "color" in text
            and "background" in text
        )

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        from .._web import markup

        view = markup.web(source)
        resolve = markup.resolver(source)
        for block in view.sheet.blocks:
            if block.at_rule == "keyframes":
                continue
            fg_decl = block.last("color")
            bg_decl = block.last("background-color", "background")
            if fg_decl is None or bg_decl is None:
                continue
            if bg_decl.name == "background" and _has_image(bg_decl.value):
                continue
            fg = stylesheet.single_colour(fg_decl.value, resolve=resolve)
            bg = stylesheet.single_colour(bg_decl.value, resolve=resolve)
            if fg is None or bg is None or bg.alpha < 1:
                continue
            text_rgb = stylesheet.blend(fg.rgb, fg.alpha, bg.rgb) if fg.alpha < 1 else fg.rgb
            ratio = stylesheet.contrast_ratio(text_rgb, bg.rgb)
            large = self._is_large(block, resolve)
            need = self.large if large else self.normal
            if ratio >= need:
                continue
            line, col = view.position(fg_decl.offset_of(fg.node))
            yield Match(line, col, {
                "ratio": f"{math.floor(ratio * 100) / 100:.2f}", "required": f"{need:g}", "fg": fg.text,
                "bg": bg.text, "size": "large text" if large else "normal text", "selector": block.label,
            })  # fmt: skip

    def _is_large(self, block: stylesheet.Block, resolve: stylesheet.Resolve) -> bool:
        px, bold = self._defaults(block)
        size = block.last("font-size")
        font = block.last("font")
        nodes = size.value if size else (stylesheet.font_size_nodes(font.value) if font else None)
        if nodes:
            known = stylesheet.lower_bound(
                nodes, resolve=resolve, percent_of=stylesheet.ROOT_FONT_PX, keywords=stylesheet.FONT_KEYWORDS
            )
            if known is None:
                return False  # a size we cannot know: judge it as normal text, the stricter case
            px = known.px
        weight = block.last("font-weight")
        if weight is not None:
            bold = _is_bold(weight.value)
        elif font is not None:
            bold = bold or _is_bold(font.value)
        return px >= self.large_px - 1e-6 or (bold and px >= self.large_bold_px - 1e-6)

    @staticmethod
    def _defaults(block: stylesheet.Block) -> tuple[float, bool]:
        if block.element is not None:
            tags = [block.element.tag]
        else:
            tags = [s.subject.tag or "" for s in block.selectors]
        if tags and all(t in HEADINGS for t in tags):
            return min(HEADINGS[t] for t in tags), True
        return stylesheet.ROOT_FONT_PX, bool(tags) and all(t in BOLD_TAGS for t in tags)


def _has_image(nodes: list[Any]) -> bool:
    for node in nodes:
        if node.type == "url" or (node.type == "function" and (
            node.lower_name == "url" or node.lower_name.endswith("gradient") or node.lower_name == "image-set"
        )):  # fmt: skip
            return True
    return False


def _is_bold(nodes: list[Any]) -> bool:
    for node in nodes:
        if node.type == "ident" and node.lower_value in ("bold", "bolder"):
            return True
        if node.type == "number" and node.value >= 700:
            return True
    return False


register(
    CheckKind(
        name="contrast",
        fields=frozenset({"normal", "large", "large-size", "large-bold-size"}),
        required=frozenset(),
        compile=ContrastChecker,
        default_files=STYLE_FILES,
    )
)
