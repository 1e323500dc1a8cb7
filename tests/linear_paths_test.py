"""Paths that grew quadratically with their input (issue 8), each on a large input.

Where the work can be counted (characters masked, pairs compared) the test counts it; elsewhere
it gives a bound many times the linear cost and far below the quadratic one.
"""

from __future__ import annotations

import random
import shlex
import string
import time
from collections.abc import Callable
from typing import Any

import pytest

from hooks import _engine, _rules
from hooks._deployment.files import shell_commands, shell_words
from hooks._plugins.env_vars import alias_partners, is_alias
from hooks._web import markup

# --- messages: only what a message quotes is masked -------------------------------------------------


@pytest.fixture
def masked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text the masker is given while a test runs."""
    sizes: list[int] = []
    real = _rules.mask

    def counting(text: str) -> str:
        sizes.append(len(text))
        return real(text)

    monkeypatch.setattr(_rules, "mask", counting)
    monkeypatch.setattr(_engine, "mask", counting)
    return sizes


LINE = "breakpoint(); " * 10_000  # the one line of 10,000 calls: 60 s before


def test_a_message_that_does_not_quote_the_line_masks_nothing_of_it(
    scan: Callable[..., list[str]], masked: list[int]
) -> None:
    found = scan({"a.py": LINE + "\n"}, {"id": "TS001", "check": "python", "pattern": "breakpoint()"})
    assert len(found) == 10_000
    assert sum(masked) < 10_000 * 40  # the short message of each finding, never the 140 KB line


def test_a_message_that_quotes_the_line_masks_a_bounded_window_of_it(
    scan: Callable[..., list[str]], masked: list[int]
) -> None:
    rule = {"id": "TS001", "check": "python", "pattern": "breakpoint()", "message": "at {line_text}"}
    found = scan({"a.py": LINE + "\n"}, rule)
    assert len(found) == 10_000 and found[0].endswith("…")
    assert max(masked) <= 2_000 and sum(masked) < 10_000 * 2_200


def test_a_secret_in_the_quoted_line_is_still_masked(scan: Callable[..., list[str]]) -> None:
    line = "connect('postgresql://admin:Pa55w0rd@db/app'); " + "breakpoint(); " * 3
    rule = {"id": "TS001", "check": "python", "pattern": "breakpoint()", "message": "at {line_text}"}
    found = scan({"a.py": line + "\n"}, rule)
    assert len(found) == 3 and all("Pa55w0rd" not in f and "admin:***@db" in f for f in found)


# --- EV007: names compared by keys, not in pairs ------------------------------------------------------

SYNONYMS = {"DB": "DATABASE", "DATABASE": "DATABASE", "PASS": "PASSWORD", "PASSWORD": "PASSWORD"}
WORDS = ["DB", "DATABASE", "URL", "PASS", "PASSWORD", "WEATHER", "OPENWEATHER", "OPEN", "API", "KEY",
         "KEYS", "A", "AB", "ABCD", "ABCDE", "BCDE", "XWEATHER", "WEATHERX"]  # fmt: skip


def _pairwise(names: set[str], min_len: int) -> dict[str, str]:
    keys = sorted(names)
    partners: dict[str, str] = {}
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if is_alias(a, b, SYNONYMS, min_len):
                partners.setdefault(a, b)
                partners.setdefault(b, a)
    return partners


def test_alias_partners_are_those_of_every_pair() -> None:
    rng = random.Random(8)
    for _ in range(400):
        names = set()
        for _ in range(rng.randint(2, 30)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
            name = ("_" if rng.random() < 0.8 else rng.choice(["", "__"])).join(words)
            names.add(name.lower() if rng.random() < 0.1 else name)
        min_len = rng.choice([2, 3, 4])
        assert alias_partners(names, SYNONYMS, min_len) == _pairwise(names, min_len), names


def test_twenty_thousand_names_are_matched_without_comparing_pairs() -> None:
    rng = random.Random(8)
    names = {"".join(rng.choices(string.ascii_uppercase, k=9)) + "_API_KEY" for _ in range(20_000)}
    names |= {"OPENWEATHER_API_KEY", "WEATHER_API_KEY"}
    start = time.process_time()
    partners = alias_partners(names, SYNONYMS)
    assert time.process_time() - start < 5  # every pair: 200 million comparisons, minutes
    assert partners["WEATHER_API_KEY"] == "OPENWEATHER_API_KEY"


# --- shell commands: a linear splitter that gives shlex's words ---------------------------------------


def _shlex(line: str) -> Any:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError as exc:
        return str(exc)


def _ours(line: str) -> Any:
    try:
        return shell_words(line)
    except ValueError as exc:
        return str(exc)


def test_shell_words_are_shlex_words() -> None:
    rng = random.Random(8)
    alphabet = "ab '\"\\#;&|\t\r=-é$"
    for _ in range(30_000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert _ours(line) == _shlex(line), repr(line)
    for line in ('gunicorn app:app -b 0.0.0.0:$PORT && echo \'a b\' "c\\"d" # note', "a||b;;c|&d &"):
        assert _ours(line) == _shlex(line)


@pytest.mark.parametrize(
    "script",
    [
        "python -c '" + "x" * 400_000 + "'",  # one 400 KB word: 15-30 s through shlex
        "echo " + "a \\\n" * 50_000 + "b",  # 50,000 continued lines, joined once
        "run " + "a;" * 100_000,
    ],
    ids=["long-word", "continuations", "many-commands"],
)
def test_a_huge_run_command_is_split_in_linear_time(script: str) -> None:
    start = time.process_time()
    commands = shell_commands(script)
    assert time.process_time() - start < 5
    assert sum(len(w) for _line, words in commands for w in words) >= len(script) // 5


# --- stylesheets: the custom-property test on a run of dashes ---------------------------------------


def test_a_run_of_dashes_is_not_retried_from_every_dash() -> None:
    start = time.process_time()
    assert markup._DEFINES_PROPERTY_RX.search("-" * 40_000 + "!") is None  # 44 s before
    assert time.process_time() - start < 1
    assert markup._DEFINES_PROPERTY_RX.search('<p style="--gap: 4px">') is not None
    assert markup._DEFINES_PROPERTY_RX.search(".a { --x-y : 1 }") is not None
