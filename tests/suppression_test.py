"""`# ava-safety: ignore[ID] reason`: what it covers, and the AS001-AS003 findings about suppressions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

Scan = Callable[..., list[str]]

TODAY = date(2025, 6, 15)
EVAL = {"id": "PY001", "check": "python", "pattern": "eval($X)", "message": "eval"}
TODO = {"id": "RX001", "check": "regex", "pattern": "TODO", "message": "todo", "in": "any"}


def run(scan: Scan, code: str, *rules: dict[str, Any], name: str = "app.py") -> list[str]:
    return scan({name: code}, *(rules or (EVAL,)), today=TODAY)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("eval(x)  # ava-safety: ignore[PY001] input is a literal\n", id="same-line"),
        pytest.param("# ava-safety: ignore[PY001] input is a literal\neval(x)\n", id="line-above"),
        pytest.param("    # ava-safety: ignore[PY001]\n    eval(x)\n".replace("    ", ""), id="no-reason"),
        pytest.param("#ava-safety:ignore[ PY001 ]\neval(x)\n", id="loose-spacing"),
        pytest.param("eval(x)  # ava-safety: ignore[RX001,PY001] both\n", id="among-several-ids"),
        pytest.param(
            "eval(x)  # ava-safety: ignore[PY001] until=2025-06-15 today still counts\n", id="until-today"
        ),
        pytest.param("eval(x)  # ava-safety: ignore[PY001] until=2099-01-01\n", id="until-future"),
    ],
)
def test_suppression_hides_the_finding(scan: Scan, code: str) -> None:
    assert run(scan, code) == []


def test_suppression_on_a_code_line_covers_only_that_line(scan: Scan) -> None:
    code = "y = 1  # ava-safety: ignore[PY001] wrong place\neval(x)\n"
    assert run(scan, code) == [
        "app.py:1:1: AS002 suppression of PY001 matches no finding; remove it",
        "app.py:2:1: PY001 eval",
    ]


def test_suppression_does_not_reach_past_a_blank_line(scan: Scan) -> None:
    code = "# ava-safety: ignore[PY001]\n\neval(x)\n"
    assert run(scan, code) == [
        "app.py:1:1: AS002 suppression of PY001 matches no finding; remove it",
        "app.py:3:1: PY001 eval",
    ]


def test_several_ids_each_suppress_their_rule(scan: Scan) -> None:
    code = "eval(TODO)  # ava-safety: ignore[PY001, RX001] reviewed\n"
    assert run(scan, code, EVAL, TODO) == []


def test_one_suppressed_rule_leaves_the_other_reported(scan: Scan) -> None:
    code = "eval(TODO)  # ava-safety: ignore[PY001] reviewed\n"
    assert run(scan, code, EVAL, TODO) == ["app.py:1:6: RX001 todo"]


@pytest.mark.parametrize(
    ("code", "col"),
    [
        pytest.param("eval(x)  # ava-safety: ignore because\n", 10, id="no-brackets"),
        pytest.param("eval(x)  # ava-safety: ignore[] empty\n", 10, id="empty-brackets"),
        pytest.param("eval(x)  # ava-safety: ignore[ , ]\n", 10, id="only-separators"),
    ],
)
def test_suppression_without_rule_id_is_as001_and_suppresses_nothing(scan: Scan, code: str, col: int) -> None:
    assert run(scan, code) == [
        "app.py:1:1: PY001 eval",
        f"app.py:1:{col}: AS001 suppression names no rule; write # ava-safety: ignore[RULE-ID] reason",
    ]


def test_unused_suppression_is_as002(scan: Scan) -> None:
    code = "x = 1\n\nprint(x)  # ava-safety: ignore[PY001] left over\n"
    assert run(scan, code) == ["app.py:3:1: AS002 suppression of PY001 matches no finding; remove it"]


def test_expired_suppression_is_as003_and_no_longer_suppresses(scan: Scan) -> None:
    code = "eval(x)  # ava-safety: ignore[PY001] until=2025-06-14 migrate first\n"
    assert run(scan, code) == [
        "app.py:1:1: AS003 suppression of PY001 expired on 2025-06-14; fix the finding or extend it",
        "app.py:1:1: PY001 eval",
    ]


def test_expired_suppression_with_nothing_to_suppress_is_still_as003(scan: Scan) -> None:
    code = "x = 1  # ava-safety: ignore[PY001] until=2020-01-01\n"
    assert run(scan, code) == [
        "app.py:1:1: AS003 suppression of PY001 expired on 2020-01-01; fix the finding or extend it"
    ]


def test_impossible_until_date_is_ignored(scan: Scan) -> None:
    code = "eval(x)  # ava-safety: ignore[PY001] until=2025-02-30\n"
    assert run(scan, code) == []


def test_suppressions_naming_rules_not_loaded_are_ignored(scan: Scan) -> None:
    code = "eval(x)  # ava-safety: ignore[PY001,EV002] shared with another hook\n"
    code += "y = 1  # ava-safety: ignore[ZZ999]\n"
    assert run(scan, code) == []


@pytest.mark.parametrize("other", ["0-first.txt", "z-last.txt"])
def test_suppression_of_a_rule_that_does_not_apply_to_the_file_is_ignored(scan: Scan, other: str) -> None:
    files = {"m.py": "eval(x)\n", other: "TODO  # ava-safety: ignore[PY001] copied from a .py file\n"}
    assert scan(files, EVAL, TODO, today=TODAY) == sorted(
        ["m.py:1:1: PY001 eval", f"{other}:1:1: RX001 todo"]
    )


def test_suppression_in_a_file_that_does_not_parse_is_not_reported_unused(scan: Scan) -> None:
    code = "eval(x)  # ava-safety: ignore[PY001] ok\ndef (:\n"
    assert run(scan, code) == [
        "app.py:2:5: AS005 cannot parse: invalid syntax; Python rules skipped for this file"
    ]


def test_suppression_of_a_regex_rule_in_a_text_file(scan: Scan) -> None:
    code = "TODO later  # ava-safety: ignore[RX001] tracked in JIRA-1\nTODO now\n"
    assert run(scan, code, TODO, name="notes.md") == ["notes.md:2:1: RX001 todo"]


def test_suppression_covers_multiline_python_findings_by_their_first_line(scan: Scan) -> None:
    code = "# ava-safety: ignore[PY001] fixture data\neval(\n    x,\n)\neval(\n    y)\n"
    assert run(scan, code) == ["app.py:5:1: PY001 eval"]


BAD = {"id": "RX002", "check": "regex", "pattern": "BAD", "message": "bad", "in": "any", "files": ["**"]}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param(
            "page.html", "<!-- ava-safety: ignore[RX002] decorative -->\n<p>BAD</p>\n", id="html-above"
        ),
        pytest.param("page.html", "<p>BAD</p> <!-- ava-safety: ignore[RX002] -->\n", id="html-same-line"),
        pytest.param("page.j2", "{# ava-safety: ignore[RX002] legacy #}\n<p>BAD</p>\n", id="jinja-above"),
        pytest.param("site.css", "/* ava-safety: ignore[RX002] */\na { BAD: 1 }\n", id="css-above"),
        pytest.param("site.css", "a { BAD: 1 } /* ava-safety: ignore[RX002] */\n", id="css-same-line"),
    ],
)
def test_suppression_in_template_and_stylesheet_comments(scan: Scan, name: str, code: str) -> None:
    assert run(scan, code, BAD, name=name) == []
