"""Where a rollback goes: the plan, from the history store or the deploy/<service>/* tags.

The rollback target, when the current event (the newest not refused by its gates) succeeded: the
newest earlier `succeeded` event of another version; when it failed or was interrupted (what runs is
unknown): the newest earlier `succeeded` event, even of the version that may still run. Versions a
later rollback undid are never targets.

With an empty store (a fresh clone on a CI runner) the deploy/<service>/* tags are the history;
`--to VERSION` names the target (a succeeded deploy of that version, a tag, else a git ref).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import _git
from .._config import ServiceConfig
from .history import Event, History


class DeployError(Exception):
    """The deploy or rollback cannot be done as asked (exit 2, with a message saying what to do)."""


@dataclass(frozen=True)
class Plan:
    service: str
    version: str
    commit: str
    provider_ref: str
    source: str  # where the target comes from: "history #12", "tag deploy/web/3", "--to v1"
    from_event: Event | None
    from_version: str

    def describe(self) -> str:
        short = self.commit[:12] if self.commit else "no commit"
        origin = f"from {self.from_version} " if self.from_version else ""
        return f"roll {self.service} back {origin}to {self.version} ({short}, {self.source})"


def plan_rollback(store: History, service: ServiceConfig, root: Path, to: str | None = None) -> Plan:
    """The rollback target (see the module docstring); DeployError when there is none."""
    events = store.events(service.name, limit=500)
    by_id = {e.id: e for e in events}
    # the current event: the newest that was not refused by its gates (a blocked deploy changed nothing)
    current = next((e for e in events if e.status != "blocked"), None)
    from_version = current.version if current else ""
    if not events:
        return _plan_from_tags(service, root, to)
    if to is not None:
        for e in events:
            if e.status == "succeeded" and e.version == to:
                return Plan(service.name, e.version, e.commit, e.provider_ref, f"history #{e.id}", current,
                            from_version)  # fmt: skip
        try:
            return _plan_from_tags(service, root, to, current=current)
        except DeployError:
            pass
        try:
            commit = _git.resolve(root, to)
        except _git.GitError:
            raise DeployError(
                f"--to {to}: no succeeded deploy of {service.name} has that version, and it is not a git ref"
            ) from None
        return Plan(service.name, to, commit, "", f"--to {to} (git)", current, from_version)

    def disowned(e: Event) -> bool:
        for r in events:
            if r.kind == "rollback" and r.id is not None and e.id is not None and r.id > e.id:
                undone = by_id.get(r.rollback_from)
                if undone is not None and undone.version == e.version:
                    return True
        return False

    older = [e for e in events if current is None or (e.id or 0) < (current.id or 0)]
    for e in older:
        if e.status != "succeeded" or disowned(e):
            continue
        if current is not None and current.status == "succeeded" and e.version == current.version:
            continue
        return Plan(
            service.name, e.version, e.commit, e.provider_ref, f"history #{e.id}", current, from_version
        )
    shown = f" before {from_version}" if from_version else ""
    raise DeployError(
        f"no earlier successful deploy of {service.name}{shown} to roll back to (use --to VERSION)"
    )


def _plan_from_tags(service: ServiceConfig, root: Path, to: str | None, current: Event | None = None) -> Plan:
    tags = _git.deploy_tags(root, service.name)
    if not tags:
        raise DeployError(
            f"no deploy history of {service.name}: the store is empty and there are no "
            f"deploy/{service.name}/* tags (fetch them: git fetch --tags); or name the target: --to VERSION"
        )
    head = tags[0]
    from_version = current.version if current else head.fields.get("version", "")
    for tag in tags if to is not None else tags[1:]:
        version = tag.fields.get("version", "")
        if (to is not None and version == to) or (to is None and version and version != from_version):
            return Plan(service.name, version, tag.commit, tag.fields.get("provider_ref", ""),
                        f"tag {tag.name}", current, from_version)  # fmt: skip
    raise DeployError(
        f"no deploy/{service.name}/* tag holds {'version ' + to if to else 'an earlier version'}"
    )
