"""The `strings` check kind: a regex over string literal values, through the production engine."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine
from hooks._errors import ConfigErrors
from hooks._rules import Rule

Scan = Callable[..., list[str]]


def st(pattern: str, message: str = "{text}", **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"id": "ST001", "check": "strings", "pattern": pattern, "message": message}
    spec.update({k.replace("_", "-"): v for k, v in fields.items()})
    return spec


def test_reports_where_the_regex_hit_inside_the_literal(scan: Scan) -> None:
    code = 'x = "say hello"\ny = f(name, "a hello b")\n'
    assert scan({"a.py": code}, st("hello")) == ["a.py:1:10: ST001 hello", "a.py:2:16: ST001 hello"]


def test_a_hit_on_a_later_line_of_a_triple_quoted_string_is_placed_there(scan: Scan) -> None:
    code = 'TEXT = """first line\n  and then hello\n"""\n'
    assert scan({"a.py": code}, st("hello")) == ["a.py:2:12: ST001 hello"]


def test_a_hit_written_with_escapes_is_placed_at_the_literal(scan: Scan) -> None:
    # the value holds "hello" but the source spells it with an escape; the raw text matches too
    code = 'x = "hel\\x6co"  # hello\n'
    assert scan({"a.py": code}, st("hello")) == ["a.py:1:5: ST001 hello"]


def test_comments_identifiers_and_non_strings_are_never_matched(scan: Scan) -> None:
    code = "# hello\nhello = 1\ndef hello(): return b'hello'\n"
    assert scan({"a.py": code}, st("hello")) == []


def test_docstrings_are_skipped_unless_asked(scan: Scan) -> None:
    code = (
        '"""hello module"""\n'
        "class A:\n"
        '    """hello class"""\n'
        "    def f(self):\n"
        '        """hello function"""\n'
        '        return "hello value"\n'
        "async def g():\n"
        '    """hello async"""\n'
        'x = 1\n"hello: not a docstring, not first"\n'
    )
    assert scan({"a.py": code}, st("hello")) == ["a.py:6:17: ST001 hello", "a.py:10:2: ST001 hello"]
    assert len(scan({"a.py": code}, st("hello", skip_docstrings=False))) == 6


def test_f_strings_are_matched_on_their_text_with_fields_as_braces(scan: Scan) -> None:
    code = 'a = f"dear {name}, hello"\nb = "plain"\n'
    assert scan({"a.py": code}, st("hello")) == ["a.py:1:20: ST001 hello"]
    # the value is "dear {}, hello": a hit across a field is not in the source, so it stands at
    # the literal (the file's text must match the pattern as well: `{name}` does, `{}` would not)
    assert scan({"a.py": code}, st(r"dear \{\w*\}, hello")) == ["a.py:1:5: ST001 dear {}, hello"]
    assert scan({"a.py": code}, st("hello", f_strings=False)) == []


def test_a_string_inside_an_f_string_field_is_a_string_of_its_own(scan: Scan) -> None:
    code = "a = f\"{'hello'.upper()} world\"\n"
    assert scan({"a.py": code}, st("hello")) == ["a.py:1:9: ST001 hello"]


def test_skip_calls_leaves_strings_passed_to_those_callees(scan: Scan) -> None:
    code = (
        'log.info("simply retrying %s", x)\n'
        'raise ValueError(f"simply wrong: {x!r}")\n'
        'logger.warning(fmt("simply nested"))\n'
        'reply("simply do it")\n'
    )
    rule = st(r"simply", skip_calls=r"(?:^|\.)(?:log|logger)\.\w+$|Error$")
    assert scan({"a.py": code}, rule) == ["a.py:4:8: ST001 simply"]


def test_min_words_reads_prose_not_tokens(scan: Scan) -> None:
    code = 'TOKEN = "dummy"\nreply = "a dummy answer"\n'
    assert scan({"a.py": code}, st("dummy", min_words=2)) == ["a.py:2:12: ST001 dummy"]


def test_ignore_case_and_named_groups(scan: Scan) -> None:
    code = 'url = "MySQL://db"\n'
    rule = st(r"(?P<scheme>mysql)://", "{scheme} and {text}", ignore_case=True)
    assert scan({"a.py": code}, rule) == ["a.py:1:8: ST001 MySQL and MySQL://"]


def test_templates_are_searched_line_by_line(scan: Scan) -> None:
    files = {"t.html": "<p>one</p>\n<p>hello there</p>\n{# hello #}\n"}
    rule = st("hello", files=["**/*.html", "**/*.py"])
    assert scan(files, rule) == ["t.html:2:4: ST001 hello", "t.html:3:4: ST001 hello"]


def test_a_file_the_words_or_the_regex_rule_out_is_not_parsed(scan: Scan) -> None:
    broken = "def (:\n"
    assert scan({"a.py": broken + "# nothing\n"}, st("hello", contains=["hel"])) == []
    assert scan({"a.py": broken + "# HELLO\n"}, st("hello", contains=["hel"])) == []  # the regex rules it out
    assert scan({"a.py": broken + "# hello\n"}, st("hello", contains=["hel"])) == [
        "a.py:1:5: AS005 cannot parse: invalid syntax; Python rules skipped for this file"
    ]


def test_strings_share_the_one_walk_with_python_rules(
    tmp_path: Path, make_rules: Callable[..., list[Rule]], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text('print("hello")\n', encoding="utf-8")
    rules = make_rules(st("hello"), {"id": "PY001", "check": "python", "pattern": "print(...)"})
    parses = []
    real_parse = ast.parse

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        parses.append(args[0])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    result = _engine.run(tmp_path, ["a.py"], rules, jobs=1)
    assert [(f.rule, f.col) for f in result.findings] == [("PY001", 1), ("ST001", 8)]
    assert parses == ['print("hello")\n']


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"pattern": "("}, "invalid regular expression in 'pattern'", id="bad-pattern"),
        pytest.param({"pattern": ""}, "'pattern' must be a non-empty regular expression", id="empty"),
        pytest.param({"pattern": "a", "skip-calls": "["}, "in 'skip-calls'", id="bad-skip-calls"),
        pytest.param(
            {"pattern": "a", "ignore-case": "yes"}, "'ignore-case' must be true or false", id="bool"
        ),
        pytest.param({"pattern": "a", "f-strings": 1}, "'f-strings' must be true or false", id="bool-f"),
        pytest.param({"pattern": "a", "min-words": 0}, "'min-words' must be a whole number", id="words"),
        pytest.param({"pattern": "a", "contains": [""]}, "'contains' must be a word", id="contains"),
        pytest.param({"pattern": "a", "function": "x:y"}, "does not belong to check kind", id="plugin-key"),
    ],
)
def test_field_errors(make_rules: Callable[..., Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "ST001", "check": "strings", **fields})
    assert [message in p.message for p in info.value.problems] == [True]


def test_contains_may_be_one_word(scan: Scan) -> None:
    assert scan({"a.py": 'x = "hello"\n'}, st("hello", contains="HELLO")) == ["a.py:1:6: ST001 hello"]
