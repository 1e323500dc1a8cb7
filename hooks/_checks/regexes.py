"""Rule regular expressions: compiled once, refused when they backtrack exponentially, and time-bounded
when a team wrote them.

Python's `re` backtracks: `^(x{3,}[-_.]?)+$` on 48 `X` and a `1` took 15 s, `(a+)+$` on 40 `a` and a
`!` more than a minute. A hook must never hang a commit, so:

- The bundled packs' regexes run on `re` as they are: tests/regex_audit_test.py runs every one of
  them (and every regex of `hooks/`) against inputs made from the pattern itself
  (`adversarial_inputs`) under a CPU budget, and checks none has an ambiguous repetition.
- A team's regexes (its own rule files) are checked when they load: a repeated group whose body can
  also match two of its own repetitions (`(a+)+`, `(\\w+\\s?)*`, `(a|ab|b)*`, `(.|\\s)*`) is a config
  error naming the group (`exponential_part`); so is such a string among a plugin rule's options
  (`check_plugin_options`). Whatever that check cannot see (polynomial cases such as `\\w*\\w*\\w*\\d!`)
  runs under a time budget per file on the `regex` module (`TimedRegex`): past it the check raises
  `RegexTimeout`, which the engine's crash policy reports as an internal error of that rule on that
  file (exit 2), never a hang. `regex` costs about 1.7 µs more per call than `re` (bench/bench.py
  --regex: 2.6 against 0.9 µs), which is why the audited bundled patterns do not pay it.

`compile_rule_regex` is the one compiler of rule regexes (kinds `regex`, `strings`, `python`'s
`metavariable-regex`, `html`'s `key-handler`); `_rules` marks bundled files `trusted()`; a checker
calls `begin(rx, source)` when it starts a file.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

from . import CheckError

_c: Any
_sre: Any
try:  # 3.11+; `sre_parse` is the same module before it, and warns from 3.11 on
    from re import _constants as _c  # type: ignore[attr-defined,no-redef]
    from re import _parser as _sre  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

# seconds a team regex may spend on one file (all its calls together) before the check gives up;
# a legitimate rule takes milliseconds on the largest source file, and this is wall time, so it
# leaves room for a loaded CI machine
FILE_BUDGET_S = 2.0
_TRUSTED: contextvars.ContextVar[bool] = contextvars.ContextVar("ava_safety_trusted_regexes", default=False)
# characters tried when a sample must satisfy a class: letters, digits, separators, quotes, controls
_POOL = "ax0A_-. /:@=\t\n!\"'#+,;%~*?$&()[]{}<>|\\^`é\x00"
_MAX_SAMPLES = 8
_TAILS = ("!", "\n", "\x00")
_RUNS = (*"aA0 \t\n-_./:{%<\\'\"@x", "a.", "a-", "a ", "a/", "a:", "0.", "-a", "_a", "\\a", "a@")
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)
_AT = {
    _c.AT_BEGINNING: "^",
    _c.AT_BEGINNING_STRING: r"\A",
    _c.AT_END: "$",
    _c.AT_END_STRING: r"\Z",
    _c.AT_BOUNDARY: r"\b",
    _c.AT_NON_BOUNDARY: r"\B",
}
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.ASCII, "a"))
_KEPT_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.ASCII


class RegexTimeout(Exception):
    """A team regex spent its budget on one file: it backtracks on this input."""


class _Unsupported(Exception):
    """A construct the analysis cannot rebuild (a back-reference): that part is not judged."""


@contextlib.contextmanager
def trusted() -> Iterator[None]:
    """Rules compiled inside come from the bundled packs: audited by the test suite, run on `re`."""
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


class TimedRegex:
    """A team's regex on the `regex` module: the same API as the `re.Pattern` methods rules use,
    with `FILE_BUDGET_S` of time per file (`begin` starts a file; calls on the same file share it)."""

    def __init__(self, pattern: str, flags: int, key: str) -> None:
        import regex  # only a repository with its own rule files pays for the import

        self._rx = regex.compile(pattern, flags)
        self.pattern = pattern
        self.flags = flags
        self.groupindex = dict(self._rx.groupindex)
        self._key = key
        self._file: object = None
        self._left = FILE_BUDGET_S

    def begin(self, file: object) -> None:
        if file is not self._file:
            self._file = file
            self._left = FILE_BUDGET_S

    def _call(self, method: str, text: str, *args: Any) -> Any:
        start = time.monotonic()
        try:
            timeout = max(self._left, 0.001)
            if method == "finditer":  # all of it now, inside the budget
                return list(self._rx.finditer(text, timeout=timeout))
            return getattr(self._rx, method)(text, *args, timeout=timeout)
        except TimeoutError:
            self._left = 0.0
            raise RegexTimeout(
                f"the regular expression in '{self._key}' ({_short(self.pattern)}) gave up after "
                f"{FILE_BUDGET_S:g} s on this file: it backtracks; make its repetitions unambiguous"
            ) from None
        finally:
            self._left -= time.monotonic() - start

    def search(self, text: str, pos: int = 0) -> Any:
        return self._call("search", text, pos)

    def match(self, text: str, pos: int = 0) -> Any:
        return self._call("match", text, pos)

    def fullmatch(self, text: str, pos: int = 0) -> Any:
        return self._call("fullmatch", text, pos)

    def finditer(self, text: str) -> Iterator[Any]:
        return iter(self._call("finditer", text))


def compile_rule_regex(value: Any, key: str, flags: int = 0) -> Any:
    """A rule's regex from field `key`: `re` for the bundled packs, `TimedRegex` for a team's, which
    is refused (CheckError) when it is not a regex or can backtrack exponentially."""
    if not isinstance(value, str) or not value:
        raise CheckError(key, f"'{key}' must be a non-empty regular expression string")
    try:
        compiled = re.compile(value, flags)
    except re.error as exc:
        raise CheckError(key, f"invalid regular expression in '{key}': {exc}") from None
    except (RecursionError, OverflowError, MemoryError):
        raise CheckError(
            key, f"the regular expression in '{key}' is too large or too deeply nested"
        ) from None  # noqa: E501
    if _TRUSTED.get():
        return compiled
    part = exponential_part(value, flags)
    if part is not None:
        raise CheckError(
            key,
            f"the regular expression in '{key}' can take exponential time (catastrophic backtracking): "
            f"{_short(part)} repeats a part that can also match two of its own repetitions, so a "
            "near-miss line is tried in exponentially many ways; make the repetitions unambiguous "
            "(e.g. 'a+' instead of '(a+)+', '(?:\\w+\\.)*' instead of '(?:\\w*\\.?)*')",
        )
    try:
        return TimedRegex(value, flags, key)
    except Exception as exc:  # noqa: BLE001 - `regex` refuses what `re` took: say so, never crash
        raise CheckError(key, f"the regular expression in '{key}' is not supported: {exc}") from None


def check_plugin_options(options: Any, key: str = "options") -> None:
    """A team's plugin options are compiled by the plugin when it runs, on `re`: refuse (CheckError)
    any string among them that is a regex with an exponential repetition, at load time."""
    if _TRUSTED.get():
        return
    if isinstance(options, str):
        if not _REGEX_SYNTAX_RX.search(options):
            return
        part = exponential_part(options)
        if part is not None:
            raise CheckError(
                "options",
                f"the regular expression in '{key}' ({_short(options)}) can take exponential time "
                f"(catastrophic backtracking): {_short(part)} repeats a part that can also match two of "
                "its own repetitions; make the repetitions unambiguous (e.g. 'a+' instead of '(a+)+')",
            )
    elif isinstance(options, dict):
        for name, value in options.items():
            check_plugin_options(value, f"{key}.{name}")
    elif isinstance(options, list):
        for value in options:
            check_plugin_options(value, key)


_REGEX_SYNTAX_RX = re.compile(r"[*+}]")  # only a repetition can repeat badly


def begin(rx: Any, file: object) -> None:
    """Start `file`'s time budget of a rule regex (nothing for a bundled one)."""
    if type(rx) is TimedRegex:
        rx.begin(file)


def _short(text: str, limit: int = 60) -> str:
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


# --- the analysis: parse tree -> regex text, samples, exponential repeats --------------------------


def _parse(pattern: str, flags: int) -> tuple[Any, int]:
    parsed = _sre.parse(pattern, flags)
    return parsed, (parsed.state.flags | flags) & _KEPT_FLAGS


def _esc(code: int) -> str:
    return re.escape(chr(code))


def _unparse_set(items: Any) -> str:
    out: list[str] = []
    for op, av in items:
        if op is _c.NEGATE:
            out.insert(0, "^")
        elif op is _c.LITERAL:
            out.append("\\" + chr(av) if chr(av) in "\\]^-[" else chr(av))
        elif op is _c.RANGE:
            out.append(f"{_esc(av[0])}-{_esc(av[1])}")
        elif op is _c.CATEGORY:
            out.append(_CATEGORIES[av])
        else:  # pragma: no cover - the parser emits nothing else inside a set
            raise _Unsupported(str(op))
    if len(items) == 1 and items[0][0] is _c.CATEGORY:
        return out[0]
    return "[" + "".join(out) + "]"


def _unparse(items: Any) -> str:
    """Regex text for parsed items; every group becomes non-capturing (pieces are compiled alone)."""
    out: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(_esc(av))
        elif op is _c.NOT_LITERAL:
            out.append(_unparse_set([(_c.NEGATE, None), (_c.LITERAL, av)]))
        elif op is _c.ANY:
            out.append(".")
        elif op is _c.IN:
            out.append(_unparse_set(list(av)))
        elif op is _c.AT:
            out.append(_AT.get(av, ""))
        elif op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            out.append(_unparse_repeat(op, av))
        elif op is _c.SUBPATTERN:
            _group, add, remove, body = av
            on = "".join(ch for flag, ch in _FLAG_LETTERS if add & flag)
            off = "".join(ch for flag, ch in _FLAG_LETTERS if remove & flag)
            out.append(f"(?{on}{'-' + off if off else ''}:{_unparse(body)})")
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            out.append(f"(?>{_unparse(av)})")
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(_unparse(alt) for alt in av[1]) + ")")
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, body = av
            sign = "=" if op is _c.ASSERT else "!"
            out.append(f"(?{'<' if direction < 0 else ''}{sign}{_unparse(body)})")
        else:  # GROUPREF, GROUPREF_EXISTS: the group they name is not in the piece
            raise _Unsupported(str(op))
    return "".join(out)


def _unparse_repeat(op: Any, av: Any) -> str:
    lo, hi, body = av
    inner = _unparse(body)
    if not (len(body) == 1 and body[0][0] in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.SUBPATTERN)):
        inner = f"(?:{inner})"
    top = "" if hi == _c.MAXREPEAT else str(hi)
    count = {(0, ""): "*", (1, ""): "+", (0, "1"): "?"}.get((lo, top), f"{{{lo},{top}}}")
    lazy = "?" if op is _c.MIN_REPEAT else "" if op in _REPEATS else "+"
    return inner + count + lazy


def _chars(items: Any, flags: int) -> list[str]:
    """Up to three characters of the pool that a one-character item set matches, of different
    kinds where it can (a letter, a digit or space, a punctuation mark)."""
    rx = re.compile(_unparse(items), flags)
    found = [ch for ch in _POOL if rx.fullmatch(ch)]
    kinds: dict[str, str] = {}
    for ch in found:
        kinds.setdefault("a" if ch.isalpha() else "0" if ch.isdigit() or ch.isspace() else ".", ch)
    return list(dict.fromkeys([*kinds.values(), *found]))[:3]


def _samples(items: Any, flags: int) -> list[str]:
    """A few short strings these parsed items may match (best effort; lookarounds are ignored)."""
    out = [""]
    for op, av in items:
        if op is _c.LITERAL:
            options = [chr(av)]
        elif op in (_c.NOT_LITERAL, _c.ANY, _c.IN):
            options = _chars([(op, av)], flags) or ["a"]
        elif op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            lo, hi, body = av
            once = max(lo, 1)
            options = []
            for s in _samples(body, flags):
                options.append(s * once)
                if once + 1 <= hi:
                    options.append(s * (once + 1))
            if lo == 0:
                options.append("")
        elif op is _c.SUBPATTERN:
            options = _samples(av[3], flags)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            options = _samples(av, flags)
        elif op is _c.BRANCH:
            options = [s for alt in av[1] for s in _samples(alt, flags)]
        else:  # anchors, lookarounds, back-references: zero-width or unknown here
            options = [""]
        out = list(dict.fromkeys(a + b for a, b in itertools.product(out, options[:_MAX_SAMPLES])))
        out = out[:_MAX_SAMPLES]
    return out


def _repeats(items: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], int, Any, Any]]:
    """Every repetition (hi >= 2) in the tree: (the items before it, at each level), op, bounds, body."""
    for index, (op, av) in enumerate(items):
        before = (*path, items[:index])
        if op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            lo, hi, body = av
            if hi >= 2:
                yield before, op, (lo, hi), body
            yield from _repeats(body, before)
        elif op is _c.SUBPATTERN:
            yield from _repeats(av[3], before)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            yield from _repeats(av, before)
        elif op is _c.BRANCH:
            for alt in av[1]:
                yield from _repeats(alt, before)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            yield from _repeats(av[1], before)


def _branches(items: Any) -> Iterator[list[Any]]:
    for op, av in items:
        if op is _c.BRANCH:
            yield av[1]
            for alt in av[1]:
                yield from _branches(alt)
        elif op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            yield from _branches(av[2])
        elif op is _c.SUBPATTERN:
            yield from _branches(av[3])


def exponential_part(pattern: str, flags: int = 0) -> str | None:
    """The repetition of `pattern` that can match one string in exponentially many ways, as regex
    text, or None: a repeated body B that matches some w which B·B also matches (`(a+)+`: "aa"), or
    one whose alternatives overlap (`(a|a)*`, `(.|\\s)*`). Possessive and atomic parts never do."""
    try:
        parsed, flags = _parse(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return None
    for _before, op, bounds, body in _repeats(list(parsed)):
        if op not in _REPEATS:
            continue
        try:
            if _ambiguous(body, flags):
                return _unparse_repeat(op, (*bounds, body))
        except (_Unsupported, re.error, RecursionError):
            continue
    return None


def _ambiguous(body: Any, flags: int) -> bool:
    while len(body) == 1 and body[0][0] is _c.SUBPATTERN:
        body = body[0][1][3]
    if len(body) == 1 and body[0][0] in (
        getattr(_c, "ATOMIC_GROUP", None),
        getattr(_c, "POSSESSIVE_REPEAT", None),
    ):
        return False  # an atomic body never gives back what it took: one way to split the text
    text = _unparse(body)
    once = re.compile(f"(?:{text})", flags)
    twice = re.compile(f"(?:{text})(?:{text})", flags)
    samples = [s for s in _samples(body, flags) if s]
    for w in samples:
        if once.fullmatch(w) and twice.fullmatch(w):
            return True
    for w1, w2 in itertools.product(samples, repeat=2):
        if once.fullmatch(w1) and once.fullmatch(w2) and once.fullmatch(w1 + w2):
            return True
    for alts in _branches(body):
        compiled = [re.compile(f"(?:{_unparse(alt)})", flags) for alt in alts]
        for i, alt in enumerate(alts):
            for w in _samples(alt, flags):
                if w and compiled[i].fullmatch(w):
                    if any(rx.fullmatch(w) for j, rx in enumerate(compiled) if j != i):
                        return True
    return False


def adversarial_inputs(pattern: str, flags: int = 0, *, size: int = 10_000) -> list[str]:
    """Inputs that make a backtracking regex work hardest: for every repetition, what leads to it,
    its body repeated to about `size` characters (one sample, or two alternating), then a
    character that fails; and long runs of single characters and of pairs. A linear pattern answers
    each in time proportional to its length; an exponential one never, a quadratic one in seconds."""
    parsed, flags = _parse(pattern, flags)
    out: dict[str, None] = {}
    for before, _op, _bounds, body in _repeats(list(parsed)):
        lead = "".join(_first(_samples(items, flags)) for items in before)
        pumps = [s for s in _samples(body, flags) if s]
        singles = [s for s in pumps if len(s) == 1]
        pumps += [a + b for a, b in itertools.combinations(singles, 2)]
        for pump in pumps:
            run = pump * max(1, size // len(pump))
            for tail in _TAILS:
                out[lead + run + tail] = None
    for run in _RUNS:
        out[run * (size // len(run)) + "!"] = None
    return list(out)


def _first(samples: list[str]) -> str:
    return samples[0] if samples else ""
