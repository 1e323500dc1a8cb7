"""Syntax newer than the target Python, found on the parsed tree (hooks._python.syntax)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from hooks._python.syntax import newer_syntax, pep701_fstrings, scan_fstrings
from hooks._source import SourceFile

RUNNING = (sys.version_info[0], sys.version_info[1])

FEATURES: list[Any] = [
    pytest.param("if (n := 1):\n    pass\n", [(1, 5, "assignment expressions (:=)", (3, 8))], id="walrus"),
    pytest.param(
        "x[y := 1]\n",
        [
            (1, 3, "assignment expressions (:=)", (3, 8)),
            (1, 3, "an unparenthesized := in a subscript", (3, 10)),
        ],
        id="walrus-in-subscript",
    ),
    pytest.param("x[(y := 1)]\n", [(1, 4, "assignment expressions (:=)", (3, 8))], id="walrus-parenthesized"),
    pytest.param(
        "x[a, y := 1]\n",
        [
            (1, 6, "assignment expressions (:=)", (3, 8)),
            (1, 6, "an unparenthesized := in a subscript", (3, 10)),
        ],
        id="walrus-in-subscript-tuple",
    ),
    pytest.param("x[*a]\n", [(1, 3, "star expressions in subscripts (a[*b])", (3, 11))], id="star-subscript"),
    pytest.param(
        "{y := 1, 2}\n",
        [(1, 2, "assignment expressions (:=)", (3, 8)), (1, 2, "an unparenthesized := in a set", (3, 9))],
        id="walrus-in-set",
    ),
    pytest.param(
        "def f(a, /, b):\n    pass\n",
        [(1, 7, "positional-only parameters (/)", (3, 8))],
        id="positional-only",
    ),
    pytest.param("g = lambda a, /: a\n", [(1, 12, "positional-only parameters (/)", (3, 8))], id="lambda"),
    pytest.param(
        "def f(*args: *Ts):\n    pass\n", [(1, 14, "star annotations (*args: *Ts)", (3, 11))], id="star-args"
    ),
    pytest.param(
        "@buttons[0].clicked.connect\ndef f():\n    pass\n",
        [(1, 2, "decorators that are not a dotted name or call", (3, 9))],
        id="relaxed-decorator",
    ),
    pytest.param("@a.b(c)\ndef f():\n    pass\n", [], id="dotted-decorator-call"),
    pytest.param(
        "@(lambda c: c)\nclass C:\n    pass\n",
        [(1, 3, "decorators that are not a dotted name or call", (3, 9))],
        id="class-decorator",
    ),
    pytest.param(
        "def f():\n    return 1, *a\n",
        [(2, 12, "unparenthesized star expressions in return/yield", (3, 8))],
        id="return-star",
    ),
    pytest.param(
        "def f():\n    yield 1, *a\n",
        [(2, 11, "unparenthesized star expressions in return/yield", (3, 8))],
        id="yield-star",
    ),
    pytest.param("def f():\n    return (1, *a)\n", [], id="return-star-parenthesized"),
    pytest.param(
        "for x in 1, *a:\n    pass\n",
        [(1, 10, "unparenthesized star expressions after for ... in", (3, 9))],
        id="for-star",
    ),
    pytest.param(
        "with (open(a) as f, open(b) as g):\n    pass\n",
        [(1, 6, "parenthesized context managers", (3, 9))],
        id="parenthesized-with",
    ),
    pytest.param(
        "async def f():\n    async with (a as b):\n        pass\n",
        [(2, 16, "parenthesized context managers", (3, 9))],
        id="parenthesized-async-with",
    ),
    pytest.param(
        "with (\n    open('é') as f,\n    open(b) as g,\n):\n    pass\n",
        [(1, 6, "parenthesized context managers", (3, 9))],
        id="parenthesized-with-over-lines",
    ),
    pytest.param("with (open(a)) as f:\n    pass\n", [], id="a-parenthesized-expression"),
    pytest.param("with open(a) as f:\n    pass\n", [], id="no-parentheses"),
    pytest.param("with (a, b):\n    pass\n", [], id="a-tuple-without-as"),
    pytest.param("match x:\n    case 1:\n        pass\n", [(1, 1, "match statements", (3, 10))], id="match"),
    pytest.param(
        "try:\n    pass\nexcept* ValueError:\n    pass\n",
        [(3, 1, "except* (exception groups)", (3, 11))],
        id="except-star",
    ),
]


@pytest.mark.parametrize(("code", "expected"), FEATURES)
def test_constructs_newer_than_the_target_at_their_position(
    code: str, expected: list[tuple[Any, ...]]
) -> None:
    found = newer_syntax(SourceFile("a.py", code), (3, 7), RUNNING)
    assert [(f.line, f.col, f.feature, f.version) for f in found] == expected


def test_nothing_is_newer_than_a_target_the_hook_runs_on_or_a_file_that_does_not_parse() -> None:
    assert newer_syntax(SourceFile("a.py", "match x:\n    case 1:\n        pass\n"), RUNNING, RUNNING) == []
    assert newer_syntax(SourceFile("a.py", "def (:\n"), (3, 7), RUNNING) == []


def test_only_what_the_target_lacks_is_reported() -> None:
    code = "if (n := 1):\n    match n:\n        case 1:\n            pass\n"
    found = newer_syntax(SourceFile("a.py", code), (3, 9), RUNNING)
    assert [(f.line, f.feature) for f in found] == [(2, "match statements")]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("f'{a[\"b\"]}'", None, id="other-quote"),
        pytest.param(
            "f'{a['b']}'", (5, "the enclosing quote reused inside a replacement field"), id="same-quote"
        ),
        pytest.param("f'''{a['b']}'''", None, id="triple-quoted-outer"),
        pytest.param(
            'f"{f"{x}"}"', (4, "the enclosing quote reused inside a replacement field"), id="nested"
        ),
        pytest.param("f'{\"\\n\".join(x)}'", (4, "a backslash inside a replacement field"), id="backslash"),
        pytest.param("f'{x\\\\}'", (4, "a backslash inside a replacement field"), id="backslash-in-field"),
        pytest.param("f'{x:\\t}'", None, id="backslash-in-spec"),
        pytest.param("f'''{a # note\n}'''", (7, "a comment inside a replacement field"), id="comment"),
        pytest.param("f'{a\n}'", (4, "a line break inside a replacement field"), id="line-break"),
        pytest.param("(f'{a}'  # trailing comment\n 'b')", None, id="comment-between-parts"),
        pytest.param("f'{{literal}} {x!r:>{width}}'", None, id="escapes-and-nested-spec"),
        pytest.param("f'{ {1: 2}[1] }'", None, id="a-dict-in-a-field"),
        pytest.param("rf'\\d+{x}'", None, id="raw"),
        pytest.param("'plain'", None, id="no-field"),
        pytest.param("f'{x}", None, id="unterminated-string"),
        pytest.param("f'{x:>10'", None, id="spec-ends-at-the-quote"),
        pytest.param("f'{x:>10", None, id="spec-ends-at-the-end"),
    ],
)
def test_pep701_fstrings_are_recognised_from_the_source(code: str, expected: tuple[int, str] | None) -> None:
    assert scan_fstrings(code) == expected


def test_fstrings_every_python_reads_are_not_pep701() -> None:
    source = SourceFile("a.py", 'name = f"{user[\'name\']}" f"{n!r:>{width}}"\nplain = f"{x}"\n')
    assert pep701_fstrings(source) == []


@pytest.mark.skipif(RUNNING < (3, 12), reason="only Python 3.12+ parses PEP 701 f-strings")
def test_pep701_fstrings_at_their_position() -> None:  # pragma: no cover - runs on Python 3.12+
    code = 'x = 1\nname = f"{user["name"]}"\nsql = f"""{\n    a  # the id\n}"""\nok = f"{a}" f"{f"{b}"}"\n'
    found = newer_syntax(SourceFile("a.py", code), (3, 11), RUNNING)
    assert [(f.line, f.col, f.feature) for f in found] == [
        (2, 16, "f-strings with the enclosing quote reused inside a replacement field (PEP 701)"),
        (4, 8, "f-strings with a comment inside a replacement field (PEP 701)"),
        (6, 17, "f-strings with the enclosing quote reused inside a replacement field (PEP 701)"),
    ]


@pytest.mark.skipif(RUNNING < (3, 12), reason="only Python 3.12+ parses type statements")
def test_type_statements_and_parameters() -> None:  # pragma: no cover - runs on Python 3.12+
    code = (
        "type Pair = tuple[int, int]\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n"
        "class Box[T]:\n    pass\n"
    )
    found = newer_syntax(SourceFile("a.py", code), (3, 11), RUNNING)
    assert [(f.line, f.col, f.feature) for f in found] == [
        (1, 1, "type statements"),
        (2, 11, "type parameter lists"),
        (4, 11, "type parameter lists"),
    ]


@pytest.mark.skipif(RUNNING < (3, 13), reason="only Python 3.13+ parses type parameter defaults")
def test_type_parameter_defaults() -> None:  # pragma: no cover - runs on Python 3.13+
    found = newer_syntax(SourceFile("a.py", "class Box[T = int]:\n    pass\n"), (3, 12), RUNNING)
    assert [(f.line, f.col, f.feature) for f in found] == [(1, 11, "type parameter defaults")]
