"""The only place that formats results: text, json, sarif (2.1.0) and github annotations."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO
from urllib.parse import quote

from . import __version__
from ._engine import META, Crash, Finding
from ._mask import mask
from ._rules import Rule
from ._score import PrincipleScore, Scores, Verdict, plural

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_URI = "https://github.com/ava-safety/ava-safety#rules"


# characters a terminal or log viewer acts on instead of showing: C0/C1 controls (a newline forges a
# line, ESC starts a colour or cursor sequence), DEL, and the bidirectional overrides and line
# separators that reorder or break what is shown (Trojan Source)
UNSAFE_RX = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group(0)
    return NAMED_ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str) -> str:
    """Text with every character a terminal would act on shown as an escape (`\\n`, `\\x1b`)."""
    return UNSAFE_RX.sub(_escape, text)


def shown_path(path: str) -> str:
    """A file name as one printed line: as it is when it is plain, else quoted with C escapes, the way
    git shows such names (`"a\\nb.py"`), so a name can neither forge a line nor colour the terminal."""
    if not UNSAFE_RX.search(path):
        return path
    return '"' + printable(path.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def sarif_uri(path: str) -> str:
    """A repo-relative path as a SARIF URI reference (RFC 3986): everything but unreserved characters
    and `/` percent-encoded as UTF-8, so `:` cannot read as a scheme nor `#`/`?` end the path."""
    return quote(path, safe="/")


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def finding_line(f: Finding, *, colour: bool = False, severity: bool = False) -> str:
    """`path:line:col: RULE-ID message`; with `severity`, `RULE-ID [error]` (the hooks' text output)."""
    rule = _paint(f.rule, "1;31" if f.severity == "error" else "1;33", colour)
    mark = f" [{f.severity}]" if severity else ""
    return f"{shown_path(f.path)}:{f.line}:{f.col}: {rule}{mark} {printable(f.message)}"


def text(findings: Sequence[Finding], out: TextIO) -> None:
    colour = use_colour(out)
    for f in findings:
        out.write(finding_line(f, colour=colour, severity=True) + "\n")


NAMED_FINDINGS = 5  # findings a failing principle's line names; the rest are counted


def score_lines(scores: Scores, findings: Sequence[Finding] = (), *, colour: bool = False) -> list[str]:
    """One line per principle, then the overall score. A principle under its minimum names the
    findings that pulled it down (the verdict is the summary line's, see `summary_line`)."""
    if scores.overall is None:
        return ["constitutional compliance: nothing to check"]
    width = max(len(p.name) for p in scores.principles)
    lines = []
    for p in scores.principles:
        mark = _paint("ok  ", "32", colour) if p.passed else _paint("FAIL", "1;31", colour)
        if not p.passed:
            detail = _pulled_down(p, findings)
        elif p.violations:
            detail = f", {plural(p.violations, 'violation')}"
        else:
            detail = ", clean"
        lines.append(f"{mark} {p.name:<{width}} {p.score:5.1f}%  (min {p.min_score:g}%{detail})")
    lines.append(f"overall {scores.overall:.1f}% (min {scores.min_score:g}%)")
    return lines


def _pulled_down(principle: PrincipleScore, findings: Sequence[Finding]) -> str:
    mine = [f for f in findings if f.principle == principle.name]
    if not mine:
        return f", {plural(principle.violations, 'violation')}"
    named = ", ".join(f"{f.rule} {shown_path(f.path)}:{f.line}" for f in mine[:NAMED_FINDINGS])
    more = f" and {len(mine) - NAMED_FINDINGS} more" if len(mine) > NAMED_FINDINGS else ""
    return f"; pulled down by {named}{more}"


def summary_line(
    verdict: Verdict, files: int, *, skipped: int = 0, crashed: int = 0, nothing: str | None = None
) -> str:
    """The one line a run ends with: counts, files, what was skipped, and the verdict with its reasons.

    `2 errors, 5 warnings in 7 files; blocked by: 2 errors`
    `0 errors, 3 warnings in 40 files (1,204 vendored or generated files skipped); passed; warnings
    do not block (--strict makes them)`
    """
    if files == 0 and not verdict.errors and not verdict.warnings:
        head = f"no files to check ({nothing})" if nothing else "no files to check"
    else:
        head = (
            f"{plural(verdict.errors, 'error')}, {plural(verdict.warnings, 'warning')} in "
            f"{plural(files, 'file')}"
        )
    if skipped:
        head += f" ({skipped:,} vendored or generated {'file' if skipped == 1 else 'files'} skipped)"
    if verdict.blocked:
        tail = "blocked by: " + ", ".join(verdict.reasons())
    elif verdict.warnings and verdict.scored:
        tail = "passed; warnings lower the scores and block only under a minimum, or with --strict"
    elif verdict.warnings:
        tail = "passed; warnings do not block (--strict makes them)"
    else:
        tail = "passed"
    if crashed:
        tail += f"; {plural(crashed, 'check')} crashed, so the results are incomplete (exit 2)"
    return f"{head}; {tail}"


def crash_lines(crashes: Sequence[Crash], *, debug: bool = False) -> list[str]:
    """`path: internal error in RULE-ID: ExceptionType: message`, one per crashed check (for stderr);
    with `debug` (AVA_SAFETY_DEBUG), each followed by its traceback."""
    lines = []
    for crash in crashes:
        lines.append(f"{shown_path(crash.path)}: internal error in {crash.rule}: {printable(crash.error)}")
        if debug and crash.detail:
            lines.append(crash.detail.rstrip("\n"))
    return lines


def internal_error_line(hook: str, exc: BaseException, *, debug: bool = False) -> str:
    """One line for an unexpected exception outside the checks (the hook exits 2)."""
    import traceback

    message = " ".join(str(exc).split())
    line = f"{hook}: internal error: {type(exc).__name__}" + (f": {message}" if message else "")
    if debug:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return mask(printable(line) + "\n" + trace.rstrip("\n"))
    return mask(printable(line)) + " (AVA_SAFETY_DEBUG=1 shows the traceback)"


def as_json(
    hook: str,
    findings: Sequence[Finding],
    scores: Scores | None,
    extra: dict[str, Any] | None = None,
    *,
    crashes: Sequence[Crash] = (),
    verdict: Verdict | None = None,
    skipped: int = 0,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tool": "ava-safety",
        "version": __version__,
        "hook": hook,
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "col": f.col,
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "principle": f.principle,
                "blocking": f.blocking,
            }
            for f in findings
        ],
    }
    if scores is not None:
        data["score"] = {
            "overall": None if scores.overall is None else round(scores.overall, 2),
            "min_score": scores.min_score,
            "passed": scores.passed,
            "principles": [
                {
                    "name": p.name,
                    "score": round(p.score, 2),
                    "min_score": p.min_score,
                    "weight": p.weight,
                    "passed": p.passed,
                    "violations": p.violations,
                }
                for p in scores.principles
            ],
            "rules": {k: round(v, 2) for k, v in sorted(scores.rule_scores.items())},
        }
    if verdict is not None:
        data["gate"] = {
            "blocked": verdict.blocked,
            "errors": verdict.errors,
            "warnings": verdict.warnings,
            "strict": verdict.strict,
            "blocked_by": verdict.reasons(),
        }
    if skipped:
        data["skipped_vendored"] = skipped
    if crashes:  # checks that did not finish: the findings above are incomplete
        data["internal_errors"] = [{"path": c.path, "rule": c.rule, "error": c.error} for c in crashes]
    if extra:
        data.update(extra)
    return data


def sarif(hook: str, findings: Sequence[Finding], rules: Sequence[Rule]) -> dict[str, Any]:
    used = sorted({f.rule for f in findings})
    by_id = {r.id: r for r in rules}
    descriptors = []
    for rule_id in used:
        rule = by_id.get(rule_id)
        if rule is not None:
            name, short, full, level = (
                rule.name,
                rule.message,
                rule.description or rule.message,
                rule.severity,
            )
        else:
            name, short = META.get(rule_id, (rule_id.lower(), rule_id))
            full, level = short, "warning"
        descriptors.append(
            {
                "id": rule_id,
                "name": name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "defaultConfiguration": {"level": level},
                "helpUri": f"{HELP_URI}-{rule_id.lower()}",
            }
        )
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": sarif_uri(f.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }
                }
            ],
            "partialFingerprints": {"avaSafety/v1": _fp(f)},
        }
        for f in findings
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": f"ava-safety {hook}",
                        "version": __version__,
                        "informationUri": "https://github.com/ava-safety/ava-safety",
                        "rules": descriptors,
                    }
                },
                "results": results,
            }
        ],
    }


def _fp(f: Finding) -> str:
    from ._baseline import fingerprint

    return fingerprint(f)


def _escape_data(value: str) -> str:
    # the runner decodes %25, %0D and %0A (one annotation, however many lines); any other control
    # character would reach the log viewer as it is
    encoded = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(encoded)


def _escape_prop(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        out.write(
            f"::{level} file={_escape_prop(f.path)},line={f.line},col={f.col},"
            f"title={_escape_prop(f.rule)}::{_escape_data(f.message)}\n"
        )


def emit(
    fmt: str,
    hook: str,
    findings: Sequence[Finding],
    rules: Sequence[Rule],
    scores: Scores | None,
    out: TextIO | None = None,
    *,
    verdict: Verdict | None = None,
    files: int = 0,
    skipped: int = 0,
    nothing: str | None = None,
    crashes: Sequence[Crash] = (),
) -> None:
    """A run's report on `out` (stdout). Text and GitHub annotations end with the summary line when
    a verdict is given (`summary_line`); `nothing` says why there were no files to check."""
    out = out or sys.stdout
    if fmt == "json":
        data = as_json(hook, findings, scores, crashes=crashes, verdict=verdict, skipped=skipped)
        out.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
        return
    if fmt == "sarif":
        out.write(json.dumps(sarif(hook, findings, rules), indent=2, allow_nan=False) + "\n")
        return
    colour = fmt == "text" and use_colour(out)
    if fmt == "github":
        github(findings, out)
    else:
        text(findings, out)
    if scores is not None:
        for line in score_lines(scores, findings, colour=colour):
            out.write(line + "\n")
    if verdict is not None:
        summary = summary_line(verdict, files, skipped=skipped, crashed=len(crashes), nothing=nothing)
        out.write(printable(summary) + "\n")  # a scope names refs the user gave
