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
