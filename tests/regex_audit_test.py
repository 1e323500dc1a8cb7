# ruff: noqa: E501  (the known-quadratic list holds whole patterns)
"""Every regex the package ships, run against inputs built to make it backtrack, under a time bound.

Collected: the regex fields of every bundled rule (`regex`, `strings`, `metavariable-regex`,
`key-handler`) and every string of a plugin's options or a data table that compiles as a regex and
uses regex syntax; every literal pattern handed to `re.*` in `hooks/`; every compiled pattern held by
a module of `hooks/` (patterns built at import time). A linear pattern answers the 10,000-character
inputs of `adversarial_inputs` in milliseconds; an exponential one never, a quadratic one in seconds.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import hooks
from hooks._checks.regexes import adversarial_inputs, exponential_part

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 1.5  # per pattern, all its inputs together; a linear pattern needs a few ms
_META = re.compile(r"[\\()\[\]{}*+?|^$]")
_FLAG_NAMES = {"I": re.I, "IGNORECASE": re.I, "M": re.M, "MULTILINE": re.M, "S": re.S, "DOTALL": re.S,
               "X": re.X, "VERBOSE": re.X, "A": re.A, "ASCII": re.A}  # fmt: skip


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _compiles(text: str, flags: int = 0) -> bool:
    try:
        re.compile(text, flags)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


def _rule_regexes() -> Iterator[tuple[str, int, str]]:
    for path in sorted((ROOT / "rules").glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        shown = str(path.relative_to(ROOT))
        if path.parent.name == "data":
            for text in _strings(doc):
                if _META.search(text) and _compiles(text):
                    yield text, 0, f"{shown} (data)"
            continue
        for rule in (doc or {}).get("rules") or []:
            where = f"{shown} {rule.get('id')}"
            check = rule.get("check")
            flags = re.I if rule.get("ignore-case") else 0
            if check == "regex":
                flags |= re.M if rule.get("multiline") else 0
                for key in ("pattern", "pattern-not"):
                    if key in rule:
                        yield rule[key], flags, f"{where} {key}"
            elif check == "strings":
                yield rule["pattern"], flags, f"{where} pattern"
                if "skip-calls" in rule:
                    yield rule["skip-calls"], 0, f"{where} skip-calls"
            elif check == "python" and "metavariable-regex" in rule:
                spec = rule["metavariable-regex"]
                items = spec if isinstance(spec, list) else [spec] if "metavariable" in spec else None
                values = [i["regex"] for i in items] if items is not None else list(spec.values())
                for value in values:
                    yield value, 0, f"{where} metavariable-regex"
            elif check == "html" and isinstance(rule.get("enter-key"), dict):
                if "key-handler" in rule["enter-key"]:
                    yield rule["enter-key"]["key-handler"], 0, f"{where} key-handler"
            elif check == "plugin":
                for text in _strings(rule.get("options") or {}):
                    if _META.search(text) and _compiles(text):
                        yield text, 0, f"{where} options"
                        if _compiles(text, re.I):
                            yield text, re.I, f"{where} options (ignore-case)"


def _flags(node: ast.expr | None) -> int | None:
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return _FLAG_NAMES.get(node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _flags(node.left), _flags(node.right)
        return None if left is None or right is None else left | right
    return None


_RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}


def _source_regexes() -> Iterator[tuple[str, int, str]]:
    for path in sorted((ROOT / "hooks").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCTIONS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            position = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "split": 3, "findall": 2,
                        "finditer": 2, "sub": 4, "subn": 4}[node.func.attr]  # fmt: skip
            given = node.args[position] if len(node.args) > position else None
            given = next((k.value for k in node.keywords if k.arg == "flags"), given)
            flags = _flags(given)
            yield node.args[0].value, flags or 0, f"{path.relative_to(ROOT)}:{node.lineno}"


def _module_regexes() -> Iterator[tuple[str, int, str]]:
    for info in pkgutil.walk_packages(hooks.__path__, "hooks."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                yield value.pattern, value.flags & ~re.UNICODE, f"{info.name}.{name}"


def _all_regexes() -> list[tuple[str, int, str]]:
    seen: dict[tuple[str, int], str] = {}
    for pattern, flags, where in [*_rule_regexes(), *_source_regexes(), *_module_regexes()]:
        seen.setdefault((pattern, flags), where)
    return [(p, f, w) for (p, f), w in seen.items()]


# Quadratic on a 10,000-character near-miss (a search that retries a long run from every start):
# seconds on a hostile line, never a hang. Each is a debt: when one is made linear the test below
# fails until it leaves this list. Exponential patterns are never listed.
KNOWN_QUADRATIC: set[tuple[str, int]] = {
    ('\\$\\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\\}|\\$([A-Za-z_][A-Za-z0-9_]*)', 0),  # hooks/_deployment/files.py:945
}  # fmt: skip


class _Slow(Exception):
    pass


def _raise_slow(*_: object) -> None:
    raise _Slow


def _worst(pattern: str, flags: int, budget: float = BUDGET_S, size: int = 10_000) -> float | None:
    """Seconds all of `pattern`'s adversarial inputs took, or None when they ran past `budget`
    (`re` checks for signals while it backtracks, so the timer interrupts it)."""
    rx = re.compile(pattern, flags)
    inputs = adversarial_inputs(pattern, flags, size=size)
    # CPU time of this process, not wall time: the suite shares a loaded machine
    previous = signal.signal(signal.SIGVTALRM, _raise_slow)
    signal.setitimer(signal.ITIMER_VIRTUAL, budget)
    start = time.perf_counter()
    try:
        for text in inputs:
            rx.search(text)
            rx.match(text)
        return time.perf_counter() - start
    except _Slow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def test_the_collection_finds_every_kind_of_place() -> None:
    found = _all_regexes()
    wheres = " ".join(w for _p, _f, w in found)
    assert len(found) > 150
    for place in ("env-vars.yaml EV002 options", "metavariable-regex", "hooks/_mask.py:", "hooks._mask."):
        assert place in wheres, place


def test_the_audit_catches_what_it_is_for() -> None:
    # the placeholder pattern EV002/EV003 shipped with, and the team rule
    assert _worst(r"^(x{3,}[-_.]?)+$", re.I, budget=0.5) is None
    assert _worst(r"(a+)+$", 0, budget=0.5) is None
    assert _worst(r"\s*\S*\s*=$", 0, budget=0.5) is None  # quadratic: seconds at 10,000 characters
    assert (_worst(r"^x{3,}(?:[-_.]x{3,})*[-_.]?$", re.I) or 9) < 0.5


def test_no_bundled_regex_backtracks_badly() -> None:
    slow = []
    for pattern, flags, where in _all_regexes():
        if (pattern, flags) in KNOWN_QUADRATIC:
            # not exponential: at a fifth of the size a quadratic pattern is 25 times faster
            assert _worst(pattern, flags, size=2_000) is not None, f"{where}: {pattern!r} is exponential"
        elif _worst(pattern, flags) is None:
            slow.append(f"{where}: {pattern!r}")
    assert not slow, "regexes that backtrack on long near-misses:\n" + "\n".join(slow)


def test_the_known_quadratic_ones_are_still_there() -> None:
    shipped = {(p, f) for p, f, _w in _all_regexes()}
    assert KNOWN_QUADRATIC <= shipped, "fixed or gone: remove from KNOWN_QUADRATIC"


def test_no_bundled_regex_has_an_ambiguous_repetition() -> None:
    flagged = []
    for pattern, flags, where in _all_regexes():
        part = exponential_part(pattern, flags)
        if part is not None:
            flagged.append(f"{where}: {pattern!r} repeats {part}")
    assert not flagged, "\n".join(flagged)


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"^(x{3,}[-_.]?)+$", r"(\w+\s?)*$", r"(a|ab|b)*c", r"(.|\s)*x", r"(\d+)*?!", r"((ab)*)+c"],
)
def test_exponential_repetitions_are_recognised(pattern: str) -> None:
    assert exponential_part(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [r"a+", r"(?:\w+\.)*\w+", r"^x{3,}(?:[-_.]x{3,})*[-_.]?$", r"[^a]+b", r"(ab){2,5}", r"(?>a+)+$",
     r"(\w+)=(\S+)", r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*)$", r"(a|b)*c", r"(\d{1,3}\.){3}\d{1,3}"],
)  # fmt: skip
def test_linear_repetitions_are_not(pattern: str) -> None:
    assert exponential_part(pattern) is None
