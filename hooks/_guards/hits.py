"""A guard's finding before it meets its rule: the rule id, where, and the message's values.

The runner turns a Hit into a Finding with the rule's severity and message (hooks._guards.runner);
the rule plugins turn it into a Match for the engine, which runs the rules' examples
(hooks._plugins.working_systems, rollback_risk, db_connection). One mapping per guard, two consumers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    rule: str
    path: str
    line: int
    col: int
    values: dict[str, str] = field(default_factory=dict)
    system: str = ""  # the working system(s) it concerns, "a,b" ("" for none)
    route: str = ""  # the route it concerns, "METHOD /path" ("" for none)
