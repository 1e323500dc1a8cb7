"""Constitutional scoring (DESIGN 3): per rule, per principle, overall; all weighted means."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._config import Config
from ._engine import Coverage
from ._rules import Rule, RuleSet


@dataclass(frozen=True)
class PrincipleScore:
    name: str
    score: float
    min_score: float
    weight: float
    rules: int  # rules that checked at least one file
    violations: int  # file-level violations across its rules

    @property
    def passed(self) -> bool:
        return self.score >= self.min_score


@dataclass(frozen=True)
class Scores:
    principles: list[PrincipleScore]
    overall: float | None  # None: nothing to check
    min_score: float
    rule_scores: dict[str, float]

    @property
    def passed(self) -> bool:
        return self.overall is None or (
            self.overall >= self.min_score and all(p.passed for p in self.principles)
        )


def score(ruleset: RuleSet, rules: Sequence[Rule], coverage: dict[str, Coverage], config: Config) -> Scores:
    rule_scores: dict[str, float] = {}
    grouped: dict[str, list[tuple[Rule, float, int]]] = {}
    for rule in rules:
        cov = coverage.get(rule.id)
        if cov is None or cov.checked == 0 or rule.principle is None:
            continue
        value = 100.0 * (cov.checked - len(cov.violating)) / cov.checked
        rule_scores[rule.id] = value
        grouped.setdefault(rule.principle, []).append((rule, value, len(cov.violating)))
    principles: list[PrincipleScore] = []
    for name, items in grouped.items():
        total_weight = sum(r.weight for r, _, _ in items)
        value = sum(r.weight * v for r, v, _ in items) / total_weight
        declared = ruleset.principles[name]
        principles.append(
            PrincipleScore(
                name=name,
                score=value,
                min_score=config.min_score_for(name, declared.min_score),
                weight=declared.weight,
                rules=len(items),
                violations=sum(n for _, _, n in items),
            )
        )
    principles.sort(key=lambda p: (-p.weight, p.name))
    overall = None
    if principles:
        total = sum(p.weight for p in principles)
        overall = sum(p.weight * p.score for p in principles) / total
    return Scores(principles, overall, config.min_score, rule_scores)


# --- gating (DESIGN 3): one rule users can predict ----------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a run blocks, and why.

    An `error` finding (or one of a `blocking: true` rule) always blocks; warnings never block one by
    one: they lower their principle's score, and the score gate (overall and per-principle minimum)
    blocks when they accumulate; `strict` makes every warning block.
    """

    errors: int  # findings that block by themselves
    warnings: int
    strict: bool = False
    failing: tuple[PrincipleScore, ...] = ()  # principles under their minimum
    overall: float | None = None  # the overall score when it is under its minimum
    min_score: float = 0.0
    scored: bool = False  # a score gate was applied

    @property
    def blocked(self) -> bool:
        return bool(
            self.errors or (self.strict and self.warnings) or self.failing or self.overall is not None
        )

    def reasons(self) -> list[str]:
        """What blocks, in the order a reader acts on it: errors, strict warnings, then the scores."""
        out = []
        if self.errors:
            out.append(plural(self.errors, "error"))
        if self.strict and self.warnings:
            out.append(plural(self.warnings, "warning") + " (--strict)")
        out += [f"{p.name} {p.score:.1f}% (min {p.min_score:g}%)" for p in self.failing]
        if self.overall is not None:
            out.append(f"overall {self.overall:.1f}% (min {self.min_score:g}%)")
        return out


def blocks_alone(severity: str, blocking: bool) -> bool:
    """Whether one finding blocks whatever the score: an error, or a `blocking: true` rule's."""
    return severity == "error" or blocking


def gate(severities: Sequence[tuple[str, bool]], scores: Scores | None, *, strict: bool) -> Verdict:
    """The verdict on a run's findings, given as (severity, blocking) pairs, and its scores."""
    errors = sum(1 for severity, blocking in severities if blocks_alone(severity, blocking))
    failing: tuple[PrincipleScore, ...] = ()
    overall = None
    min_score = 0.0
    if scores is not None and scores.overall is not None:
        failing = tuple(p for p in scores.principles if not p.passed)
        min_score = scores.min_score
        if scores.overall < scores.min_score:
            overall = scores.overall
    scored = scores is not None
    return Verdict(errors, len(severities) - errors, strict, failing, overall, min_score, scored)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
