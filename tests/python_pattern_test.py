"""The `python` check kind: structural patterns over the stdlib ast, through the production engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hooks._errors import ConfigErrors

Scan = Callable[..., list[str]]


def py(pattern: str | None = None, message: str = "hit", **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"id": "PY001", "check": "python", "message": message}
    if pattern is not None:
        spec["pattern"] = pattern
    spec.update({k.replace("_", "-"): v for k, v in fields.items()})
    return spec


@pytest.mark.parametrize(
    ("pattern", "code", "expected"),
    [
        pytest.param(
            "print($X)",
            "print(1)\nprint(a + b)\nprint()\nprint(1, 2)\n",
            ["app.py:1:1: PY001 X=1", "app.py:2:1: PY001 X=a + b"],
            id="metavariable-binds-one-expression",
        ),
        pytest.param(
            "$X == $X",
            "if a == a:\n    pass\nif a == b:\n    pass\nif f(x) == f(x):\n    pass\n",
            ["app.py:1:4: PY001 X=a", "app.py:5:4: PY001 X=f(x)"],
            id="same-metavariable-twice-must-be-equal",
        ),
        pytest.param(
            "$X.execute($Q)",
            "cur.execute(sql)\ndb.cursor().execute('x')\n",
            ["app.py:1:1: PY001 X=cur", "app.py:2:1: PY001 X=db.cursor()"],
            id="metavariable-as-receiver",
        ),
    ],
)
def test_metavariables(scan: Scan, pattern: str, code: str, expected: list[str]) -> None:
    assert scan({"app.py": code}, py(pattern, "X={X}")) == expected


@pytest.mark.parametrize(
    ("pattern", "code", "lines"),
    [
        pytest.param("f(...)", "f()\nf(1)\nf(1, k=2)\nf(*a, **kw)\ng(1)\n", [1, 2, 3, 4], id="any-args"),
        pytest.param("f($X, ...)", "f()\nf(1)\nf(1, 2, k=3)\n", [2, 3], id="first-arg-then-any"),
        pytest.param("f(..., $X)", "f()\nf(1)\nf(1, 2)\n", [2, 3], id="any-then-last-arg"),
        pytest.param(
            "f(..., key=True)",
            "f(key=True)\nf(1, key=True)\nf(1, key=True, other=2)\nf(1, key=False)\nf(1)\n",
            [1, 2, 3],
            id="keyword-among-any-args",
        ),
        pytest.param(
            "f(..., key=True, ...)",
            "f(key=True)\nf(1, key=True, other=2)\nf(other=2, key=True)\nf(1, key=False)\n",
            [1, 2, 3],
            id="keyword-between-ellipses-as-documented",
        ),
        pytest.param(
            "run(app, host=$H, port=$P)",
            "run(app, port=1, host='h')\nrun(app, host='h', port=1)\nrun(app, host='h')\n",
            [1, 2],
            id="keyword-args-in-any-order",
        ),
        pytest.param(
            "run(app, host=$H)",
            "run(app, host='h', port=1)\n",
            [],
            id="extra-keyword-needs-an-ellipsis",
        ),
    ],
)
def test_ellipsis_in_call_arguments(scan: Scan, pattern: str, code: str, lines: list[int]) -> None:
    found = scan({"app.py": code}, py(pattern))
    assert [int(line.split(":")[1]) for line in found] == lines


@pytest.mark.parametrize(
    ("pattern", "code", "lines"),
    [
        pytest.param('open("...")', "open('a')\nopen(\"b\")\nopen(name)\nopen(1)\n", [1, 2], id="any-string"),
        pytest.param(
            'connect("=~/^postgres(ql)?:/")',
            "connect('postgresql://x')\nconnect('postgres://x')\nconnect('sqlite://')\nconnect(u)\n",
            [1, 2],
            id="string-matching-regex",
        ),
        pytest.param('open("a.txt")', "open('a.txt')\nopen('b.txt')\n", [1], id="exact-string"),
        pytest.param("f(True)", "f(True)\nf(1)\nf(False)\n", [1], id="constant-type-matters"),
    ],
)
def test_string_patterns(scan: Scan, pattern: str, code: str, lines: list[int]) -> None:
    found = scan({"app.py": code}, py(pattern))
    assert [int(line.split(":")[1]) for line in found] == lines


def test_ellipsis_as_statements_matches_any_body(scan: Scan) -> None:
    code = (
        "try:\n    risky()\nexcept Exception:\n    pass\n"
        "try:\n    risky()\n    more()\nexcept Exception:\n    pass\n"
        "try:\n    risky()\nexcept Exception:\n    log()\n"
    )
    pattern = "try:\n    ...\nexcept Exception:\n    pass\n"
    assert scan({"app.py": code}, py(pattern)) == ["app.py:1:1: PY001 hit", "app.py:5:1: PY001 hit"]


def test_ellipsis_as_statements_around_a_statement(scan: Scan) -> None:
    code = "def a():\n    x = 1\n    eval(x)\n    return x\ndef b():\n    return 1\ndef c():\n    eval(y)\n"
    pattern = "def $F(...):\n    ...\n    eval($X)\n    ...\n"
    assert scan({"app.py": code}, py(pattern, "{F} evals {X}")) == [
        "app.py:1:1: PY001 a evals x",
        "app.py:7:1: PY001 c evals y",
    ]


def test_def_pattern_matches_sync_async_and_methods(scan: Scan) -> None:
    code = (
        "def top():\n    pass\n"
        "async def atop(x, *a, **k):\n    pass\n"
        "class A:\n    def method(self):\n        pass\n"
        "    async def amethod(self):\n        pass\n"
        "    @staticmethod\n    def decorated():\n        pass\n"
    )
    assert scan({"app.py": code}, py("def $F(...): ...", "def {F}")) == [
        "app.py:1:1: PY001 def top",
        "app.py:3:1: PY001 def atop",
        "app.py:6:5: PY001 def method",
        "app.py:8:5: PY001 def amethod",
        "app.py:11:5: PY001 def decorated",
    ]


def test_async_with_and_for_match_their_sync_patterns(scan: Scan) -> None:
    code = (
        "async def f():\n"
        "    async with lock:\n        pass\n"
        "    async for x in items:\n        pass\n"
        "with lock:\n    pass\n"
    )
    with_hits = scan({"app.py": code}, py("with lock:\n    ...\n"))
    assert with_hits == ["app.py:2:5: PY001 hit", "app.py:6:1: PY001 hit"]
    for_hits = scan({"app.py": code}, py("for $X in items:\n    ...\n", "for {X}"))
    assert for_hits == ["app.py:4:5: PY001 for x"]


def test_pattern_either_matches_any_of_its_patterns(scan: Scan) -> None:
    code = "pdb.set_trace()\nbreakpoint()\nprint(1)\n"
    rule = py(pattern_either=["pdb.set_trace()", "breakpoint()"])
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 hit", "app.py:2:1: PY001 hit"]


def test_pattern_not_removes_the_near_miss(scan: Scan) -> None:
    code = "os.environ.get('A')\nos.environ.get('B', 'x')\n"
    rule = py("os.environ.get($K, ...)", "{K} has no default", pattern_not="os.environ.get($K, $D)")
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 'A' has no default"]


def test_pattern_not_accepts_a_list(scan: Scan) -> None:
    code = "requests.get(u)\nrequests.get(u, timeout=1)\nrequests.get(u, timeout=None, verify=False)\n"
    rule = py(
        "requests.get(...)",
        pattern_not=["requests.get(..., timeout=1)", "requests.get(..., verify=False)"],
    )
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 hit"]


def test_pattern_inside_requires_an_enclosing_match(scan: Scan) -> None:
    code = "async def handler():\n    time.sleep(1)\n\ndef sync():\n    time.sleep(1)\n"
    rule = py("time.sleep(...)", "blocking sleep in {F}", pattern_inside="async def $F(...): ...")
    assert scan({"app.py": code}, rule) == ["app.py:2:5: PY001 blocking sleep in handler"]


def test_pattern_not_inside_excludes_enclosed_matches(scan: Scan) -> None:
    code = "def main():\n    print(1)\n\nif __name__ == '__main__':\n    print(2)\n"
    rule = py(
        "print(...)",
        pattern_not_inside="if __name__ == '__main__':\n    ...\n",
    )
    assert scan({"app.py": code}, rule) == ["app.py:2:5: PY001 hit"]


def test_inside_patterns_must_not_be_sequences(make_rules: Callable[..., Any]) -> None:
    with pytest.raises(ConfigErrors, match="inside-patterns must be a single statement or expression"):
        make_rules(py("f()", pattern_inside="a = 1\nb = 2\n"))


@pytest.mark.parametrize(
    "regexes",
    [
        pytest.param({"$M": "^(redis|pymongo)$"}, id="mapping"),
        pytest.param([{"metavariable": "$M", "regex": "^(redis|pymongo)$"}], id="list"),
        pytest.param({"metavariable": "$M", "regex": "^(redis|pymongo)$"}, id="semgrep-single"),
    ],
)
def test_metavariable_regex_filters_bindings(scan: Scan, regexes: Any) -> None:
    code = "import redis\nimport os\nimport pymongo\n"
    rule = py("import $M", "no {M}", metavariable_regex=regexes)
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 no redis", "app.py:3:1: PY001 no pymongo"]


def test_metavariable_regex_on_unbound_name_never_matches(scan: Scan) -> None:
    rule = py("import $M", metavariable_regex={"$OTHER": "."})
    assert scan({"app.py": "import os\n"}, rule) == []


def test_import_pattern_matches_each_name_of_a_multi_import(scan: Scan) -> None:
    code = "import os, sqlite3\nfrom a import b, c\n"
    rule = py("import $M", "{M}", metavariable_regex={"$M": "sqlite"})
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 sqlite3"]
    rule = py("from $M import $N", "{M}.{N}", metavariable_regex={"$N": "^c$"})
    assert scan({"app.py": code}, rule) == ["app.py:2:1: PY001 a.c"]


def test_import_pattern_binds_dotted_names_and_aliased_imports(scan: Scan) -> None:
    code = "import redis.client\nimport redis as r\nfrom redis.asyncio import Redis as R\n"
    assert scan({"app.py": code}, py("import $M", "{M}")) == [
        "app.py:1:1: PY001 redis.client",
        "app.py:2:1: PY001 redis",
    ]
    assert scan({"app.py": code}, py("from $M import $N", "{M}:{N}")) == [
        "app.py:3:1: PY001 redis.asyncio:Redis"
    ]


def test_sequence_pattern_matches_consecutive_statements(scan: Scan) -> None:
    code = (
        "conn = connect()\n"
        "conn.close()\n"
        "def f():\n"
        "    c = connect()\n"
        "    work(c)\n"
        "    c.close()\n"
        "x = connect()\n"
    )
    pattern = "$C = connect()\n$C.close()\n"
    assert scan({"app.py": code}, py(pattern, "{C}")) == ["app.py:1:1: PY001 conn"]
    pattern = "$C = connect()\n...\n$C.close()\n"
    assert scan({"app.py": code}, py(pattern, "{C}")) == ["app.py:1:1: PY001 conn", "app.py:4:5: PY001 c"]


def test_sequence_pattern_inside_if_else_and_finally_blocks(scan: Scan) -> None:
    code = "if x:\n    pass\nelse:\n    a = 1\n    b = a\ntry:\n    pass\nfinally:\n    a = 1\n    b = a\n"
    pattern = "a = 1\nb = a\n"
    assert scan({"app.py": code}, py(pattern)) == ["app.py:4:5: PY001 hit", "app.py:9:5: PY001 hit"]


def test_literal_prefilter_skips_files_without_the_words(scan: Scan, tmp_path: Any) -> None:
    from hooks._checks.python import PythonChecker
    from hooks._source import SourceFile

    checker = PythonChecker({"pattern": "subprocess.run(..., shell=True)"})
    assert not checker.admits(SourceFile("a.py", "import os\nos.system('x')\n"))
    assert not checker.admits(SourceFile("a.py", "subprocess.run(cmd)\n"))  # no 'shell', no 'True'
    assert checker.admits(SourceFile("a.py", "subprocess.run(cmd, shell=True)\n"))
    assert scan({"app.py": "subprocess.run('x', shell=True)\n"}, py("subprocess.run(..., shell=True)")) == [
        "app.py:1:1: PY001 hit"
    ]


def test_prefilter_ignores_metavariables_and_wildcard_strings() -> None:
    from hooks._checks.python import Pattern

    assert Pattern('$X.get("...", timeout=$T)').literals == frozenset({"get", "timeout"})
    assert Pattern('f("=~/x/", "it\'s")').literals == frozenset({"f"})
    assert Pattern("from flask import *").literals == frozenset({"flask"})
    assert Pattern("class Config: ...").literals == frozenset({"Config"})


@pytest.mark.parametrize(
    ("code", "position"),
    [
        pytest.param("x = 1\nif y:\n    eval(z)\n", "3:5", id="line-and-column-are-1-based"),
        pytest.param("s = 'é€😀'; eval(z)\n", "1:12", id="non-ascii-before-match-counts-characters"),
        pytest.param("x = (\n    eval(z))\n", "2:5", id="match-on-continuation-line"),
    ],
)
def test_positions(scan: Scan, code: str, position: str) -> None:
    assert scan({"app.py": code}, py("eval($X)")) == [f"app.py:{position}: PY001 hit"]


def test_form_feed_does_not_shift_line_numbers(scan: Scan) -> None:
    code = "a = 1\n\x0c\ndef f():\n    eval(x)  # é\n"
    assert scan({"app.py": code}, py("eval($X)", "{line_text}")) == ["app.py:4:5: PY001 eval(x) # é"]


def test_message_placeholders(scan: Scan) -> None:
    rule = py("eval($X)", "{path}|{line_text}|{X}|{unknown}")
    assert scan({"pkg/app.py": "if x:\n    eval(a + 1)  # note\n"}, rule) == [
        "pkg/app.py:2:5: PY001 pkg/app.py|eval(a + 1) # note|a + 1|{unknown}"
    ]


def test_bound_values_are_one_short_line_in_messages(scan: Scan) -> None:
    long_name = "n" * 100
    code = f"eval(a +\n     b)\neval({long_name})\n"
    assert scan({"app.py": code}, py("eval($X)", "{X}")) == [
        "app.py:1:1: PY001 a + b",
        "app.py:3:1: PY001 " + "n" * 79 + "\u2026",
    ]


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("{X.real} and {0}", id="attribute-and-positional"),
        pytest.param("{X[key]}", id="item"),
        pytest.param("{X!z}", id="bad-conversion"),
    ],
)
def test_unrenderable_message_is_shown_as_written(scan: Scan, message: str) -> None:
    assert scan({"app.py": "eval(a)\n"}, py("eval($X)", message)) == [f"app.py:1:1: PY001 {message}"]


def test_only_python_files_by_default(scan: Scan) -> None:
    files = {"a.py": "eval(x)\n", "b.pyi": "eval(x)\n", "c.txt": "eval(x)\n"}
    assert scan(files, py("eval($X)")) == ["a.py:1:1: PY001 hit", "b.pyi:1:1: PY001 hit"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"pattern": "def f(:"}, "pattern is not valid Python: ", id="syntax-error"),
        pytest.param({"pattern": "$X"}, "pattern '$X' would match everything", id="lone-metavariable"),
        pytest.param({"pattern": "..."}, "pattern '...' would match everything", id="lone-ellipsis"),
        pytest.param({"pattern": ""}, "a pattern must be non-empty Python code", id="empty"),
        pytest.param({"pattern": ["a()", "b()"]}, "'pattern' takes one pattern", id="list-as-pattern"),
        pytest.param({"pattern-either": []}, "must be a pattern or a list of patterns", id="empty-either"),
        pytest.param({}, "give exactly one of 'pattern' and 'pattern-either'", id="no-pattern"),
        pytest.param(
            {"pattern": "a()", "pattern-either": ["b()"]}, "give exactly one of", id="both-patterns"
        ),
        pytest.param(
            {"pattern": "a($X)", "metavariable-regex": "x"},
            "must map $NAME to a regex",
            id="regex-not-mapping",
        ),
        pytest.param(
            {"pattern": "a($X)", "metavariable-regex": {"X": "x"}},
            "'X' is not a metavariable",
            id="regex-name",
        ),
        pytest.param(
            {"pattern": "a($X)", "metavariable-regex": {"$X": 1}},
            "the regex for $X must be a string",
            id="regex-type",
        ),
        pytest.param(
            {"pattern": "a($X)", "metavariable-regex": {"$X": "("}},
            "$X: invalid regular expression",
            id="regex-invalid",
        ),
        pytest.param(
            {"pattern": "except A:\n    pass\nexcept B:\n    pass\n"},
            "an except pattern is one `except` clause",
            id="two-except-clauses",
        ),
        pytest.param(
            {"pattern": "except A:\n    pass\nfinally:\n    pass\n"},
            "an except pattern is one `except` clause",
            id="except-with-finally",
        ),
        pytest.param(
            {"pattern": "f($X)", "focus": "X"}, "'focus' must name one metavariable", id="focus-name"
        ),
        pytest.param(
            {"pattern": "f($X)", "focus": ["$X"]}, "'focus' must name one metavariable", id="focus-list"
        ),
        pytest.param(
            {"pattern-either": ["f($X)", "g()"], "focus": "$X"},
            "focus $X is not bound to code by pattern 'g()'",
            id="focus-unbound",
        ),
        pytest.param(
            {"pattern": "def $F(...): ...", "focus": "$F"},
            "a metavariable in a name position",
            id="focus-on-a-name",
        ),
    ],
)
def test_invalid_patterns_are_config_errors(
    make_rules: Callable[..., Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "PY001", "check": "python", **fields})
    assert len(info.value.problems) == 1
    assert message in info.value.problems[0].message
    assert info.value.problems[0].message.startswith("PY001: ")


def test_metavariable_regex_backtracks_to_a_later_argument(scan: Scan) -> None:
    rule = py("print(..., $A, ...)", "prints {A}", metavariable_regex={"$A": "phone"})
    code = 'print("to", farmer.name, farmer.phone)\nprint("to", farmer.name)\n'
    assert scan({"app.py": code}, rule) == ["app.py:1:1: PY001 prints farmer.phone"]


def test_regex_string_pattern_with_backslash_needs_no_raw_string(scan: Scan) -> None:
    rule = py('call("=~/^\\d+$/")')
    assert scan({"app.py": 'call("123")\ncall("abc")\n'}, rule) == ["app.py:1:1: PY001 hit"]


# --- except clauses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "expected"),
    [
        pytest.param(
            {"pattern": "except:\n    ..."},
            "try:\n    a()\nexcept ValueError:\n    pass\nexcept:\n    pass\n",
            ["app.py:5:1: PY001 hit"],
            id="bare-clause-on-its-own-line",
        ),
        pytest.param(
            {"pattern": "except:\n    ...", "pattern-not": "except:\n    ...\n    raise"},
            "try:\n    a()\nexcept:\n    undo()\n    raise\n"
            "def f():\n    try:\n        a()\n    except:\n        raise Other()\n",
            ["app.py:9:5: PY001 hit"],
            id="pattern-not-a-clause-that-re-raises",
        ),
        pytest.param(
            {"pattern": "except $E as $N:\n    ...", "message": "{E} {N}"},
            "def f():\n    try:\n        a()\n    except (A, B) as exc:\n        return exc\n"
            "    except C:\n        return None\n",
            ["app.py:4:5: PY001 (A, B) exc"],
            id="type-and-name-bind",
        ),
        pytest.param(
            {"pattern": "except ValueError:\n    pass"},
            "try:\n    a()\nexcept* ValueError:\n    pass\n",
            ["app.py:3:1: PY001 hit"],
            id="except-star-clauses-too",
        ),
    ],
)
def test_except_clause_patterns(scan: Scan, fields: dict[str, Any], code: str, expected: list[str]) -> None:
    assert scan({"app.py": code}, {"id": "PY001", "check": "python", "message": "hit", **fields}) == expected


def test_an_except_clause_pattern_needs_the_word_except_in_the_file(scan: Scan) -> None:
    # a file that cannot match is not parsed: no AS005 for a broken file without `except`
    rule = py("except:\n    ...")
    assert scan({"app.py": "def (:\n"}, rule) == []
    assert scan({"app.py": "def (:\n    except\n"}, rule)[0].startswith("app.py:1:5: AS005")


# --- focus --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "expected"),
    [
        pytest.param(
            {"pattern": "os.getenv($K, $D)", "focus": "$D"},
            'URL = os.getenv(\n    "URL",\n    "http://localhost",\n)\n',
            ['app.py:3:5: PY001 K="URL"'],
            id="at-an-argument-on-another-line",
        ),
        pytest.param(
            {"pattern": "$F(..., debug=$V)", "focus": "$V", "metavariable-regex": {"$V": "True"}},
            "app = Flask(__name__, debug=True)\n",
            ["app.py:1:29: PY001 K={K}"],
            id="at-a-keyword-value",
        ),
        pytest.param(
            {"pattern": "for $X in $Y:\n    $S", "focus": "$S"},
            "for a in b:\n    print(a)\n",
            ["app.py:2:5: PY001 K={K}"],
            id="at-a-statement",
        ),
        pytest.param(
            {"pattern": "print($X)", "pattern-inside": "with $CM:\n    ...", "focus": "$CM"},
            "with lock:\n    print(1)\n",
            ["app.py:1:6: PY001 K={K}"],
            id="bound-by-pattern-inside",
        ),
    ],
)
def test_focus_reports_at_the_bound_code(
    scan: Scan, fields: dict[str, Any], code: str, expected: list[str]
) -> None:
    rule = {"id": "PY001", "check": "python", "message": "K={K}", **fields}
    assert scan({"app.py": code}, rule) == expected


def test_a_suppression_goes_on_the_focus_line(scan: Scan) -> None:
    rule = py("os.getenv($K, $D)", focus="$D")
    code = 'URL = os.getenv(\n    "URL",\n    "x",  # ava-safety: ignore[PY001] local only\n)\n'
    assert scan({"app.py": code}, rule) == []
