"""The css, html and contrast check kinds, through rules a test writes (no git, no bundled packs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks._errors import ConfigErrors
from hooks._rules import load_rules

Scan = Callable[..., list[str]]


def _rule(rule_id: str, **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"id": rule_id, "message": fields.pop("message", "{property} {actual}")}
    spec.update(fields)
    return spec


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        pytest.param("p { font-size: 0.875em; }", ["0.875em = 14px"], id="em-is-the-root-for-font-size"),
        pytest.param("p { font-size: 1em; }", [], id="1em-keeps-the-parent-size"),
        pytest.param("p { font-size: 100%; }", [], id="100-percent-keeps-the-parent-size"),
        pytest.param("p { font-size: 0; }", [], id="zero-is-not-a-size"),
        pytest.param("p { font-size: 87.5%; }", ["87.5% = 14px"], id="percent-of-16px"),
        pytest.param("p { font-size: 13.5pt; }", [], id="pt"),
        pytest.param("p { font-size: 12pt; }", ["12pt = 16px"], id="pt-under"),
        pytest.param("p { font-size: large; }", [], id="keyword-large-is-18px"),
        pytest.param("p { font-size: small; }", ["small = 13px"], id="keyword-small"),
        pytest.param("p { font-size: 2vw; }", [], id="viewport-units-unknown"),
        pytest.param("p { font-size: calc(1rem + 1px); }", [], id="calc-unknown"),
        pytest.param(
            "p { font-size: clamp(1rem, 2vw, 2rem); }", ["clamp(1rem, 2vw, 2rem) = 16px"], id="clamp-lower"
        ),
        pytest.param("p { font-size: max(1rem, 20px); }", [], id="max-takes-the-larger"),
        pytest.param(
            "p { font-size: min(1rem, 20px); }", ["min(1rem, 20px) = 16px"], id="min-takes-the-smaller"
        ),
        pytest.param("p { font: italic 700 15px/1.4 serif; }", ["15px"], id="font-shorthand"),
        pytest.param("p { font: caption; }", [], id="system-font"),
        pytest.param("p { font-size: inherit; }", [], id="inherit"),
        pytest.param(
            "p { font-size: var(--nowhere, 12px); }", ["var(--nowhere, 12px) = 12px"], id="var-fallback"
        ),
        pytest.param("@media print { p { font-size: 9pt; } }", [], id="print-excluded"),
    ],
)
def test_css_lengths_are_understood(scan: Scan, css: str, expected: list[str]) -> None:
    out = scan(
        {"a.css": css + "\n"},
        _rule("TD001", check="css", property=["font-size", "font"], min="18px", **{"not-media": "print"}),
    )
    assert [line.split(" ", 2)[2].split(" ", 1)[1] for line in out] == expected


def test_em_of_other_properties_follows_the_block_font_size(scan: Scan) -> None:
    out = scan(
        {"a.css": ".a { font-size: 20px; min-height: 2.5em; }\n.b { min-height: 2.5em; }\n"},
        _rule("TD001", check="css", property="min-height", min="48px"),
    )
    assert out == ["a.css:2:18: TD001 min-height 2.5em = 40px"]


@pytest.mark.parametrize(
    ("media", "inside", "outside"),
    [
        pytest.param(
            "(max-width: 768px)", "@media (max-width: 600px)", "@media (min-width: 769px)", id="max-width"
        ),
        pytest.param(
            "(max-width: 768px)",
            "@media screen and (width <= 40em)",
            "@media (max-width: 1024px)",
            id="range-and-em",
        ),
        pytest.param("print", "@media print", "@media screen", id="keyword"),
        pytest.param(
            "(prefers-color-scheme: dark)",
            "@media (prefers-color-scheme: dark)",
            "@media not print",
            id="feature",
        ),
    ],
)
def test_media_context_is_known_to_the_rule(scan: Scan, media: str, inside: str, outside: str) -> None:
    css = f"{inside} {{ p {{ font-size: 10px; }} }}\n{outside} {{ p {{ font-size: 11px; }} }}\n"
    css += "p { font-size: 12px; }\n"
    rule = _rule("TD001", check="css", property="font-size", min="18px", media=media)
    assert scan({"a.css": css}, rule) == [f"a.css:1:{len(inside) + 19}: TD001 font-size 10px"]


def test_selectors_and_not_selectors(scan: Scan) -> None:
    css = (
        "button:hover { height: 40px; }\n"  # subject button
        ".toolbar .btn { height: 40px; }\n"  # subject .btn
        "button span { height: 10px; }\n"  # subject span: not a button
        'input[type="checkbox"] { height: 20px; }\n'  # excluded
        "a.btn.sr-only { height: 1px; }\n"  # excluded
        "h1, .btn-group > button { height: 30px; }\n"  # only the second selector applies
        ".card { & .btn { height: 20px; } &:hover { height: 10px; } }\n"
    )
    rule = _rule("TD001", check="css", property="height", min="48px", selectors="button, .btn, input",
                 **{"not-selectors": ["input[type=checkbox]", ".sr-only"]})  # fmt: skip
    assert scan({"a.css": css}, rule) == [
        "a.css:1:24: TD001 height 40px",
        "a.css:2:25: TD001 height 40px",
        "a.css:6:35: TD001 height 30px",
        "a.css:7:26: TD001 height 20px",
    ]


def test_style_attributes_match_selectors_by_element(scan: Scan) -> None:
    page = (
        '<a class="btn primary" style="height: 40px">A</a>\n'
        '<a class="link" style="height: 40px">B</a>\n'
        '<a class="btn" data-compact style="height: 40px">C</a>\n'
        '<a class="{{ cls }}" style="height: 40px">D</a>\n'
    )
    rule = _rule("TD001", check="css", property="height", min="48px", selectors=".btn",
                 **{"not-selectors": "[data-compact]"})  # fmt: skip
    assert scan({"a.html": page}, rule) == ["a.html:1:39: TD001 height 40px"]


def test_palette_colours_in_every_notation(scan: Scan) -> None:
    css = (
        "a { color: #6b7d46; background: #FFF; border-color: #6B7D4680; }\n"
        "b { color: rgb(107 125 70 / 50%); background: hsl(0, 0%, 100%); }\n"
        "c { color: transparent; background: currentColor; border: none; }\n"
        "d { color: #6B7D47; }\n"
        "e { box-shadow: 0 0 0 3px rgba(0,0,0,.5), inset 0 1px white; }\n"
        "f { background-image: linear-gradient(to right, #fff, navy); }\n"
        "g { color: oklch(70% 0.1 120); }\n"
    )
    rule = _rule("TD001", check="css", property=["color", "background*", "border*", "box-shadow"],
                 message="{colour} {hex}", **{"allowed-colours": ["#6B7D46", "#fff"]})  # fmt: skip
    assert scan({"a.css": css}, rule) == [
        "a.css:4:12: TD001 #6B7D47 #6b7d47",
        "a.css:5:27: TD001 rgba(0,0,0,.5) #000000",
        "a.css:6:55: TD001 navy #000080",
    ]


def test_contrast_uses_large_text_and_heading_defaults(scan: Scan) -> None:
    css = (
        ".a { color: #949494; background: #fff; }\n"  # 3.03: normal text fails
        "h1 { color: #949494; background: #fff; }\n"  # h1 default 32px: large
        "h4 { color: #949494; background: #fff; }\n"  # h4 16px bold: normal
        ".b { font-size: 19px; font-weight: bold; color: #949494; background: #fff; }\n"  # 14pt bold: large
        ".c { color: rgba(0, 0, 0, 0.3); background-color: #fff; }\n"  # blended over white
        ".d { color: #777; background: rgba(255, 255, 255, .5); }\n"  # translucent background: unknown
        ".e { color: #777; background: linear-gradient(#fff, #eee); }\n"  # image: unknown
    )
    assert scan({"a.css": css}, _rule("TD001", check="contrast", message="{ratio} {required} {size}")) == [
        "a.css:1:13: TD001 3.03 4.5 normal text",
        "a.css:3:13: TD001 3.03 4.5 normal text",
        "a.css:5:13: TD001 2.12 4.5 normal text",
    ]


def test_forbid_unless_replaced(scan: Scan) -> None:
    css = (
        "a { outline: 0; }\n"
        "b { outline: none; box-shadow: 0 0 0 2px #000; }\n"
        "c { outline: none; outline: 1px solid; }\n"
    )
    rule = _rule("TD001", check="css", property="outline", forbid=["none", 0], message="{value}",
                 **{"unless-block-has": ["box-shadow"]})  # fmt: skip
    assert scan({"a.css": css}, rule) == ["a.css:1:5: TD001 0"]


def test_unresolved_var_can_name_properties_defined_elsewhere(scan: Scan) -> None:
    css = "a { color: var(--bs-primary); background: var(--mine); margin: calc(var(--gap) * 2); }\n"
    assert scan(
        {"a.css": css},
        _rule(
            "TD001", check="css", message="{var}", **{"unresolved-var": True, "defined-elsewhere": ["--bs-*"]}
        ),
    ) == ["a.css:1:43: TD001 --mine", "a.css:1:69: TD001 --gap"]


def test_required_element_follows_includes(scan: Scan) -> None:
    files = {
        "templates/one.html": "<html><body>{% include 'partials/skip.html' %}</body></html>\n",
        "templates/partials/skip.html": '<a class="skip-link" href="#main">Skip</a>\n',
        "templates/two.html": "<html><body>{% include 'partials/nav.html' %}</body></html>\n",
        "templates/partials/nav.html": "<nav></nav>\n",
        "templates/three.html": "<html><body>{% include partial_name %}</body></html>\n",
        "templates/four.html": "<html><body>{% include 'missing.html' %}</body></html>\n",
    }
    assert scan(
        files, _rule("TD001", check="html", message="{element}", **{"require-element": "a.skip-link"})
    ) == ["templates/two.html:1:7: TD001 a.skip-link"]


def test_enter_key_follows_inheritance_and_pages_for_fragments(scan: Scan) -> None:
    files = {
        "templates/layouts/base.html": "<html><body>{% block body %}{% endblock %}"
        "{% include 'layouts/scripts.html' %}</body></html>\n",
        "templates/layouts/scripts.html": "<script src=\"{% static 'js/enter.js' %}\"></script>\n",
        "templates/layouts/plain.html": "<html><body>{% block body %}{% endblock %}</body></html>\n",
        "templates/a.html": "{% extends 'layouts/base.html' %}{% block body %}<input name=a>{% endblock %}\n",
        "templates/b.html": (
            "{% extends 'layouts/plain.html' %}{% block body %}<input name=b>{% endblock %}\n"
        ),
        "templates/c.html": "{% extends layout %}{% block body %}<input name=c>{% endblock %}\n",
        "templates/partial.html": "<input name=d>\n",
        "app/views.py": "def f():\n    return '<input name=e type=email>'\n",
    }
    assert scan(
        files, _rule("TD001", check="html", message="{name}", **{"enter-key": {"scripts": ["enter.js"]}})
    ) == ['templates/b.html:1:51: TD001 <input name="b">']


def test_enter_key_fragments_fail_when_no_page_loads_the_script(scan: Scan) -> None:
    files = {
        "templates/partial.html": (
            "<input name=d>\n<input type=text form=f1 name=x>\n<form id=f1><button>Go</button></form>\n"
            '<input form="{{ f }}" name=y>\n<input type=checkbox name=z>\n'
        ),
        "app/views.py": (
            "def f():\n    return '<input name=e type=email onkeyup=\"go()\">' + '<input name=g>'\n"
        ),
    }
    assert scan(
        files, _rule("TD001", check="html", message="{name}", **{"enter-key": {"scripts": ["enter.js"]}})
    ) == [
        'app/views.py:2:58: TD001 <input name="g">',
        'templates/partial.html:1:1: TD001 <input name="d">',
    ]


def test_html_elements_are_found_through_template_syntax(scan: Scan) -> None:
    page = (
        "{% raw %}<img src=raw.png>{% endraw %}\n"
        "{% comment %}<img src=commented.png>{% endcomment %}\n"
        "{# <img src=jinja-comment.png> #}\n"
        "<!-- <img src=html-comment.png> -->\n"
        "<script>document.write('<img src=script.png>')</script>\n"
        "<p title=\"{{ '<img src=expr.png>' }}\">{{ x if a < b else y }}<img src=real.png></p>\n"
    )
    assert scan(
        {"a.html": page},
        _rule("TD001", check="html", element="img", message="{element}", **{"require-attribute": "alt"}),
    ) == ["a.html:1:10: TD001 img", "a.html:6:62: TD001 img"]


def test_invalid_css_spares_deliberate_idioms(scan: Scan) -> None:
    css = (
        ".clearfix { *zoom: 1; }\n"  # the IE 6/7 star hack
        ".side { transition: --panel-width .4s ease; will-change: --panel-width; }\n"  # names, not values
        ".tip { anchor-name: --tooltip; }\n"
        ".bad { margin: --gap; }\n"
        "@property --panel-width { syntax: '<length>'; inherits: false; initial-value: 0px; }\n"
    )
    assert scan({"a.css": css}, _rule("TD001", check="css", message="{problem}", invalid=True)) == [
        "a.css:4:16: TD001 custom property --gap used without var(--gap)"
    ]


def test_zero_sizes_are_not_touch_targets(scan: Scan) -> None:
    rule = _rule("TD001", check="css", property=["min-height", "height"], min="44px", selectors="button")
    css = "button { min-height: 0; }\nbutton.collapsed { height: 0; }\nbutton.small { height: 20px; }\n"
    assert scan({"a.css": css}, rule) == ["a.css:3:24: TD001 height 20px"]


def test_hidden_elements_need_no_label_or_name(scan: Scan) -> None:
    page = (
        '<input type="text" name="username" class="hidden" autocomplete="username">\n'
        '<div hidden><input name="a"></div>\n'
        '<input name="b" style="display: none">\n'
        '<button aria-hidden="true" tabindex="-1"></button>\n'
        '<input name="c">\n'
    )
    rules = (
        _rule("TD001", check="html", element="input", message="{name}", **{"require-label": True}),
        _rule("TD002", check="html", element="button", message="{element}", **{"require-name": True}),
    )
    assert scan({"a.html": page}, *rules) == ['a.html:5:1: TD001 <input name="c">']


def test_css_templates_and_style_blocks_with_template_output(scan: Scan) -> None:
    rule = _rule(
        "TD001", check="css", property="color", message="{colour}", **{"allowed-colours": ["#6B7D46"]}
    )
    files = {
        "static/theme.css.j2": "a { color: {{ brand }}; }\nb { color: #ff0000; }\n",
        "templates/a.html": (
            "<style>\n{% if dark %}a { color: #000; }{% endif %}\n"
            "  b { color: {{ c }}; background: red }\n</style>\n"
        ),
    }
    assert scan(files, rule) == [
        "static/theme.css.j2:2:12: TD001 #ff0000",
        "templates/a.html:2:25: TD001 #000",
    ]


def test_selector_parts_and_attribute_operators(scan: Scan) -> None:
    rule = _rule("TD001", check="css", property="height", min="48px", message="{selector}",
                 selectors=["a[rel~=next]", "[href^='https']", "[href$=.pdf]", "[data-x*=go]", "[lang|=en]",
                            "#save", ".x.y"])  # fmt: skip
    css = (
        "a[rel~=next] { height: 1px; }\n"
        'a[href^="https"] { height: 1px; }\n'
        "a[href$='.pdf' i] { height: 1px; }\n"
        "i[data-x*=go] { height: 1px; }\n"
        "p[lang|=en] { height: 1px; }\n"
        "button#save:hover { height: 1px; }\n"
        ".y.x.z { height: 1px; }\n"
        ".x { height: 1px; }\n"
        "a[rel] { height: 1px; }\n"
    )
    assert [line.split(": ", 1)[1] for line in scan({"a.css": css}, rule)] == [
        "TD001 a[rel~=next]", 'TD001 a[href^="https"]', 'TD001 a[href$=".pdf" i]', "TD001 i[data-x*=go]",
        "TD001 p[lang|=en]", "TD001 button#save:hover", "TD001 .y.x.z",
    ]  # fmt: skip
    page = (
        '<a rel="prev next" style="height: 1px">1</a><a href="https://x" style="height: 1px">2</a>'
        '<a href="a.pdf" style="height: 1px">3</a><i data-x="ago" style="height: 1px"></i>'
        '<p lang="en-GB" style="height: 1px"></p><b id="save" style="height: 1px"></b>'
        '<b class="y x" style="height: 1px"></b><b class="x" style="height: 1px"></b>\n'
    )
    assert len(scan({"a.html": page}, rule)) == 7


def test_at_rules_keyframes_supports_and_nesting(scan: Scan) -> None:
    rule = _rule("TD001", check="css", property=["color", "background"], message="{selector} {colour}",
                 **{"allowed-colours": ["#000000"]})  # fmt: skip
    css = (
        "@keyframes pulse { from { color: red; } to { color: #000; } }\n"
        "@supports (display: grid) { .grid { color: blue; } }\n"
        ".card { @media (max-width: 600px) { color: lime; } .title { color: #000; } }\n"
        "@font-face { font-family: X; src: url(x.woff); color: red; }\n"
        "@import url(other.css);\n"
        ":root { --block: { color: red }; }\n"
        "a { background: url(red.png); color: var(--nowhere, navy); }\n"
    )
    assert scan({"a.css": css}, rule) == [
        "a.css:1:34: TD001 @keyframes red",
        "a.css:2:44: TD001 .grid blue",
        "a.css:3:44: TD001 .card lime",
        "a.css:7:38: TD001 a var(--nowhere, navy) = navy",
    ]


PY_CASES = [
    pytest.param("x = '<img src=a>'\n", "1:6", id="plain"),
    pytest.param("x = '\\x41\\101\\u0041\\N{LATIN SMALL LETTER A}\\d<img src=a>'\n", "1:46", id="escapes"),
    pytest.param("x = ('<p>'  # a comment\n     '<img src=a>')\n", "2:7", id="implicit-concatenation"),
    pytest.param("x = r'\\d<img src=a>'\n", None, id="raw-strings-are-regexes"),
    pytest.param("x = f'{d[\"k\"]}{{x}}<img src={y:>{w}}>'\n", "1:20", id="f-string"),
    pytest.param("x = '''<p>\\\n<img src=a>'''\n", "2:1", id="continued-line"),
    pytest.param("x = u'<img src=a>' if a else b'<img src=b>'\n", "1:7", id="bytes-skipped"),
]


@pytest.mark.parametrize(("code", "at"), PY_CASES)
def test_html_in_python_maps_back_to_the_source(scan: Scan, code: str, at: str | None) -> None:
    rule = _rule("TD001", check="html", element="img", message="{element}", **{"require-attribute": "alt"})
    assert scan({"app.py": code}, rule) == ([f"app.py:{at}: TD001 img"] if at else [])


def test_html_structure_edge_cases(scan: Scan) -> None:
    rules = (
        _rule("TD001", check="html", message="{problem}", **{"well-formed": True}),
        _rule("TD002", check="html", element="input", message="{name}", scope="page",
              **{"enter-key": {"types": ["text"], "key-handler": "^data-enter", "scripts": ["k.js"]}}),
    )  # fmt: skip
    page = (
        "<html><body>\n"
        "<div/><svg><path d='M0'/></svg>\n"
        "<input name=a><input name=b data-enter=go><input type=email name=c>\n"
        "<table><tr><td>1<td>2<tr><td>3</table>\n"
        "<dl><dt>a<dd>b<dt>c</dl><select><option>a<option>b</select>\n"
        "</body></html>\n<!-- trailing"
    )
    assert scan({"a.html": page, "b.html": "<input name=z>\n"}, *rules) == [
        'a.html:3:1: TD002 <input name="a">',
        "a.html:7:1: TD001 comment '<!--' is never closed",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"check": "html", "element": "p", "require-name": True, "scope": "all"},
            "'scope' must be 'any' or 'page'",
        ),
        (
            {"check": "html", "element": "p", "require-attribute": " "},
            "'require-attribute' must be a string or a non-empty list",
        ),
        (
            {"check": "html", "element": "p", "require-attribute": "alt", "non-empty": "yes"},
            "'non-empty' must be",
        ),
        ({"check": "html", "element": "p", "require-name": True, "non-empty": True}, "'non-empty' goes with"),
        ({"check": "html", "enter-key": ["a.js"]}, "'enter-key' must be true or a mapping"),
        ({"check": "html", "enter-key": {"key-handler": "("}}, "enter-key: invalid regular expression"),
        (
            {"check": "html", "element": [], "require-name": True},
            "'element' must be a string or a non-empty list",
        ),
        ({"check": "css", "property": "x", "min": "1px", "label": 3}, "'label' must be a string"),
        ({"check": "css", "property": "x", "invalid": True, "min-for": []}, "'min-for' goes with 'min'"),
        ({"check": "css", "property": "x", "min": "1px", "min-for": {"a": 1}}, "'min-for' must be a list"),
        (
            {"check": "css", "property": "x", "min": "1px", "min-for": [{"name": "a"}]},
            "min-for[0] needs 'min'",
        ),
        ({"check": "css", "property": "x", "forbid": [{"a": 1}]}, "'forbid' must be a value or a list"),
        (
            {"check": "css", "property": "x", "min": "1px", "unless-block-has": ["y"]},
            "'unless-block-has' goes",
        ),
        ({"check": "css", "invalid": False}, "'invalid' must be true"),
        ({"check": "css", "invalid": True, "defined-elsewhere": ["--a"]}, "'defined-elsewhere' goes with"),
        (
            {"check": "css", "property": "color", "allowed-colours": []},
            "'allowed-colours' must name a pack list",
        ),
        ({"check": "contrast", "large": True}, "'large' must be a contrast ratio"),
    ],
)
def test_bad_fields_are_rejected_with_the_reason(
    make_rules: Callable[..., Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "TD001", **fields})
    assert any(message in p.message for p in info.value.problems), info.value.problems


def test_default_pass_through_for_unparsable_python_and_non_web_files(scan: Scan) -> None:
    rules = (
        _rule("TD001", check="html", element="img", message="{element}", **{"require-attribute": "alt"}),
        _rule("TD002", check="css", property="color", message="{colour}", files=["**"],
              **{"allowed-colours": ["#000000"]}),
        _rule("TD003", check="contrast", message="{ratio}", files=["**"]),
    )  # fmt: skip
    files = {
        "broken.py": "def f(:\n    return '<img src=a>'\n",
        "notes.txt": "<p style='color: red; background: #fff'>x</p>\n",
    }
    assert scan(files, *rules) == []


# --- rule files: the new kinds and pack lists ----------------------------------------------------------


def _load_errors(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "pack.yaml"
    path.write_text("pack: own\nversion: 1\nhook: design-rules\n" + body, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "pack.yaml"})
    return [str(p) for p in info.value.problems]


RULE_HEAD = "rules:\n  - id: TD001\n    name: t\n    severity: error\n    message: m\n"
EXAMPLES = "    examples: {pass: [x], fail: [y]}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "lists:\n  brand: ['#fff']\n" + RULE_HEAD + "    check: css\n    property: color\n"
            "    allowed-colours: brnad\n" + EXAMPLES,
            "pack.yaml:13: TD001: 'allowed-colours': no list 'brnad' in this file's 'lists' (lists: brand)",
            id="unknown-list",
        ),
        pytest.param(
            "lists: [a]\n" + RULE_HEAD + "    check: contrast\n" + EXAMPLES,
            "pack.yaml:4: 'lists' must map names to lists of values",
            id="lists-not-a-mapping",
        ),
        pytest.param(
            "lists:\n  brand: {a: 1}\n" + RULE_HEAD + "    check: contrast\n" + EXAMPLES,
            "pack.yaml:5: list 'brand' must be a list of plain values",
            id="list-not-a-list",
        ),
        pytest.param(
            RULE_HEAD + "    check: css\n    property: color\n    allowed-colours: [red]\n" + EXAMPLES,
            "pack.yaml:11: TD001: 'red' is not a hex colour like '#6B7D46'",
            id="palette-not-hex",
        ),
        pytest.param(
            RULE_HEAD + "    check: css\n    property: color\n    min: 1px\n    invalid: true\n" + EXAMPLES,
            "pack.yaml:5: TD001: a css rule needs exactly one of: min, allowed-colours, forbid, invalid,"
            " unresolved-var",
            id="two-assertions",
        ),
        pytest.param(
            RULE_HEAD + "    check: css\n    min: 18px\n" + EXAMPLES,
            "pack.yaml:5: TD001: check kind 'css' with 'min' needs 'property'",
            id="min-without-property",
        ),
        pytest.param(
            RULE_HEAD + "    check: css\n    property: x\n    min: big\n" + EXAMPLES,
            "pack.yaml:11: TD001: 'min' must be a length such as 18px, 1.125rem or 13.5pt",
            id="bad-length",
        ),
        pytest.param(
            RULE_HEAD
            + "    check: css\n    property: x\n    min: 1px\n    min-for: [{min: 2px, colour: red}]\n"
            + EXAMPLES,
            "pack.yaml:12: TD001: min-for[0]: unknown key 'colour' (known: media, min, name,"
            " not-media, not-selectors, property, selectors)",
            id="min-for-key",
        ),
        pytest.param(
            RULE_HEAD + "    check: html\n    require-name: true\n" + EXAMPLES,
            "pack.yaml:5: TD001: check kind 'html' with 'require-name' needs 'element'",
            id="html-needs-element",
        ),
        pytest.param(
            RULE_HEAD + "    check: html\n    enter-key: {script: [a.js]}\n" + EXAMPLES,
            "pack.yaml:10: TD001: enter-key: unknown key 'script' (known: key-handler, scripts, types)",
            id="enter-key-key",
        ),
        pytest.param(
            RULE_HEAD + "    check: contrast\n    normal: 30\n" + EXAMPLES,
            "pack.yaml:10: TD001: 'normal' must be a contrast ratio between 1 and 21, such as 4.5",
            id="ratio",
        ),
        pytest.param(
            RULE_HEAD + "    check: html\n    element: p\n" + EXAMPLES,
            "pack.yaml:5: TD001: an html rule needs exactly one of: require-attribute, require-name,"
            " require-label, require-element, heading-order, enter-key, well-formed",
            id="html-none",
        ),
        pytest.param(
            RULE_HEAD + "    check: html\n    heading-order: 1\n" + EXAMPLES,
            "pack.yaml:10: TD001: 'heading-order' must be true",
            id="flag-not-true",
        ),
    ],
)
def test_rule_file_errors_name_the_line(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in _load_errors(tmp_path, body)


def test_a_rule_names_a_list_of_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(
        "pack: own\nversion: 1\nhook: design-rules\nlists:\n  brand: ['#6B7D46', '#fff']\n"
        + RULE_HEAD
        + "    check: css\n    property: color\n    allowed-colours: brand\n"
        + EXAMPLES,
        encoding="utf-8",
    )
    (rule,) = load_rules(hook="design-rules", packs=[], extra_files=[path]).rules
    assert rule.checker.allowed == {(107, 125, 70), (255, 255, 255)}


@pytest.mark.parametrize(
    ("literal", "markup"),
    [
        pytest.param("<html> needs a lang attribute", True, id="starts-with-a-tag"),
        pytest.param("'scope' must be 'any' or 'page' (full pages: <html> or <body>)", False, id="prose"),
        pytest.param("Press the <button> to go on", False, id="prose-one-tag"),
        pytest.param("Total: <strong>{n}</strong>", True, id="closing-tag"),
        pytest.param('Click <a href="/x">here</a>', True, id="attribute"),
        pytest.param("if a <b and c> d: pass", False, id="comparison"),
    ],
)
def test_python_strings_hold_markup_or_prose(literal: str, markup: bool) -> None:
    from hooks._web.markup import is_markup

    assert is_markup(literal) is markup


def test_require_attribute_takes_any_of_a_list(scan: Scan) -> None:
    rule = _rule("TD001", check="html", element="html", message="{attribute}", **{
        "require-attribute": ["lang", "xml:lang"], "non-empty": True})  # fmt: skip
    files = {
        "a.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">\n</html>\n',
        "b.html": '<html xml:lang="">\n</html>\n',
        "c.html": "<html>\n</html>\n",
    }
    assert scan(files, rule) == ["b.html:1:17: TD001 xml:lang", "c.html:1:1: TD001 lang"]


def test_a_python_page_has_a_body_or_a_head(scan: Scan) -> None:
    rule = _rule("TD001", check="html", message="{element}", **{"require-element": "meta[name=viewport]"})
    files = {
        "tag.py": "HTML_TAG = '<html xmlns=\"http://www.w3.org/1999/xhtml\">'\n",
        "page.py": "PAGE = '''<html lang=\"en\">\n<head><title>x</title></head>\n</html>'''\n",
    }
    assert scan(files, rule) == ["page.py:2:1: TD001 meta[name=viewport]"]
