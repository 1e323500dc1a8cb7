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
from ._score import Scores

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


def finding_line(f: Finding, *, colour: bool = False) -> str:
    rule = _paint(f.rule, "1;31" if f.severity == "error" else "1;33", colour)
    return f"{shown_path(f.path)}:{f.line}:{f.col}: {rule} {printable(f.message)}"


def text(findings: Sequence[Finding], out: TextIO) -> None:
    colour = use_colour(out)
    for f in findings:
        out.write(finding_line(f, colour=colour) + "\n")


def score_lines(scores: Scores, *, colour: bool = False, blocked: bool | None = None) -> list[str]:
    """One line per principle and the verdict; `blocked` (a blocking rule, --strict) overrides the score's."""
    if scores.overall is None:
        return ["constitutional compliance: nothing to check"]
    width = max(len(p.name) for p in scores.principles)
    lines = []
    for p in scores.principles:
        mark = _paint("ok  ", "32", colour) if p.passed else _paint("FAIL", "1;31", colour)
        detail = f"{p.violations} violation{'s' if p.violations != 1 else ''}" if p.violations else "clean"
        lines.append(f"{mark} {p.name:<{width}} {p.score:5.1f}%  (min {p.min_score:g}%, {detail})")
    verdict = "BLOCKED" if (not scores.passed if blocked is None else blocked) else "passed"
    lines.append(f"overall {scores.overall:.1f}% (min {scores.min_score:g}%): {verdict}")
    return lines


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
    blocked: bool | None = None,
    crashes: Sequence[Crash] = (),
) -> None:
    out = out or sys.stdout
    if fmt == "json":
        # allow_nan=False: NaN is not JSON, and a report no parser reads is worse than an error (exit 2)
        out.write(
            json.dumps(as_json(hook, findings, scores, crashes=crashes), indent=2, allow_nan=False) + "\n"
        )
    elif fmt == "sarif":
        out.write(json.dumps(sarif(hook, findings, rules), indent=2, allow_nan=False) + "\n")
    elif fmt == "github":
        github(findings, out)
        if scores is not None:
            for line in score_lines(scores, blocked=blocked):
                out.write(line + "\n")
    else:
        text(findings, out)
        if scores is not None:
            for line in score_lines(scores, colour=use_colour(out), blocked=blocked):
                out.write(line + "\n")
