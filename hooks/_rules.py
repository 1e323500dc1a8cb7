"""Rule packs: YAML files loaded, validated (every problem at once, with file and line) and compiled."""

from __future__ import annotations

import contextlib
import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ._bundled import bundled_root
from ._checks import Checker, CheckError, load_kinds
from ._checks.regexes import trusted
from ._errors import ConfigErrors, ConfigProblem, unknown_key
from ._glob import GlobError, PathMatcher, check_glob
from ._mask import mask
from ._read import Unread, read_file
from ._yaml import MAX_YAML_SIZE, LineDict, LineList, YamlError, load_file, load_text

ID_RX = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
NAME_RX = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SEVERITIES = ("error", "warning")
PACK_KEYS = frozenset({"pack", "version", "description", "hook", "extends", "principles", "lists", "rules"})
PRINCIPLE_KEYS = frozenset({"weight", "min_score", "description"})
MAX_WEIGHT = 1000  # a weight scales a score; anything larger overflows sums to infinity, not a rank
RULE_KEYS = frozenset(
    {
        "id", "name", "severity", "principle", "message", "description", "files", "exclude",
        "check", "blocking", "weight", "examples", "retired", "replaced-by", "disabled",
    }
)  # fmt: skip
EXAMPLE_KEYS = frozenset({"code", "path", "line", "col", "message", "files", "tags", "before"})
DEFAULT_HOOK = "constitutional-compliance"
# the hooks that run rule files (each calls hooks._hook.main_for with its id): a rule file's `hook:`
# must name one, or a typo would quietly switch off every rule in the file
RULE_HOOKS = frozenset(
    {"constitutional-compliance", "design-rules", "syntax-imports", "env-vars", "deploy-config",
     "version-consistency", "working-systems", "rollback-risk", "db-connection"}
)  # fmt: skip
NOT_PACKS = frozenset({"data"})


@dataclass(frozen=True)
class Example:
    code: str
    expect_fail: bool
    line: int  # where the example is written (for test ids)
    path: str | None = None
    at_line: int | None = None
    at_col: int | None = None
    message: str | None = None
    files: Mapping[str, str] = field(default_factory=dict)  # extra files for repo-aware rules
    tags: tuple[str, ...] = ()  # git tags: the example's files are committed and tagged
    # a change: these files (over `files`) are committed first, then the example's file is written
    # and staged, and a `before` file that is neither `path` nor in `files` is deleted
    before: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Principle:
    name: str
    weight: float
    min_score: float | None
    pack: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    principle: str | None
    message: str
    description: str
    kind: str
    checker: Checker
    files: PathMatcher
    exclude: PathMatcher
    blocking: bool
    weight: float
    examples: tuple[Example, ...]
    pack: str
    source: str  # file that defined it
    line: int
    # retired ids this rule replaces: a suppression naming one of them still silences this rule
    aliases: tuple[str, ...] = ()

    def applies_to(self, path: str) -> bool:
        return self.files(path) and not self.exclude(path)

    @cached_property
    def placeholders(self) -> frozenset[str]:
        """The names the message quotes (`{line_text}`, `{X}`): only these values are rendered."""
        try:
            fields = [f for _t, f, _s, _c in string.Formatter().parse(self.message) if f]
        except ValueError:
            return frozenset()
        return frozenset(re.split(r"[.\[]", f, maxsplit=1)[0] for f in fields)

    def render(self, values: Mapping[str, str]) -> str:
        """The message with placeholders filled; values are kept to one short line each. Only the
        values the message quotes are masked and cut: one long line holding thousands of findings
        costs each of them nothing when the message does not quote it."""
        if not self.placeholders:
            return self.message
        wanted = {k: _one_line(v) for k, v in values.items() if k in self.placeholders}
        try:
            return self.message.format_map(_Default(wanted))
        except (ValueError, IndexError, AttributeError, TypeError, KeyError):  # `{X.attr}`, `{0}`
            return self.message


_WINDOW = 2_000  # characters of a value looked at: no secret the masker knows is longer


def _one_line(value: str, limit: int = 80) -> str:
    # masked before it is cut short: a cut could drop the `@` that shows where a password ends; and
    # only a window of it is normalised and masked, so the cost does not grow with the value
    text = str(value)
    text = mask(" ".join(text[:_WINDOW].split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class RetiredRule:
    """A rule that no longer runs. Its id stays reserved (ids are never reused), and an old
    suppression naming it is neither unknown nor unused; with `replaced-by`, it silences the rule
    that took its place."""

    id: str
    name: str
    pack: str
    source: str
    line: int
    replaced_by: tuple[str, ...] = ()  # the rules that took its place (a split rule names several)
    description: str = ""


@dataclass
class RuleSet:
    rules: list[Rule]
    principles: dict[str, Principle]
    packs: list[str]
    retired: dict[str, RetiredRule] = field(default_factory=dict)

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}


def bundled_packs() -> list[str]:
    root = bundled_root()
    if not root.is_dir():
        return []
    # rules/data/ holds tables the plugins read (import names, stdlib history), not rule packs
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in NOT_PACKS)


def pack_files(pack: str) -> list[Path]:
    return sorted((bundled_root() / pack).glob("*.yaml"))


def display_path(path: Path) -> str:
    root = bundled_root()
    try:
        return "rules/" + path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.problems.append(ConfigProblem(path, line, message))


def load_rules(
    *,
    hook: str | None,
    packs: Iterable[str],
    extra_files: Iterable[Path] = (),
    extra_display: Mapping[Path, str] | None = None,
    packs_from: tuple[str, int] = ("<packs>", 1),
) -> RuleSet:
    """Load the bundled packs and the repo's own rule files for one hook; raise ConfigErrors.

    The examples of the repo's own rules are run by the hook runner (hooks._examples, above the
    engine), not here: loading is below the engine that runs them."""
    errors = _Collector()
    available = bundled_packs()
    sources: list[tuple[Path, str, bool]] = []
    pack_names = list(packs)
    for pack in pack_names:
        if pack not in available:
            errors.add(*packs_from, f"unknown pack '{pack}' (bundled packs: {', '.join(available)})")
    extra_files = list(extra_files)
    wanted = [p for p in pack_names if p in available]
    for pack in with_extended(wanted, hook, extra_files):
        sources += [(p, display_path(p), True) for p in pack_files(pack)]
    display = dict(extra_display or {})
    sources += [(p, display.get(p, str(p)), False) for p in extra_files]

    principles: dict[str, Principle] = {}
    bundled: dict[str, Rule] = {}
    own: dict[str, Rule] = {}
    retired: dict[str, RetiredRule] = {}
    disabled: set[str] = set()
    for path, shown, is_bundled in sources:
        # the bundled packs' regexes are audited (tests/regex_audit_test.py) and run on `re`; a
        # team's are refused when they backtrack exponentially and run under a time budget
        with trusted() if is_bundled else contextlib.nullcontext():
            _load_file(path, shown, hook, is_bundled, errors, principles, bundled, own, disabled, retired)
    if errors.problems:
        raise ConfigErrors(errors.problems)
    merged = dict(bundled)
    merged.update(own)
    for rule_id in disabled | set(retired):
        merged.pop(rule_id, None)
    for rule in merged.values():
        if rule.principle is not None and rule.principle not in principles:
            errors.add(rule.source, rule.line, f"{rule.id}: unknown principle '{rule.principle}'")
    if errors.problems:
        raise ConfigErrors(errors.problems)
    aliases: dict[str, list[str]] = {}
    for old in sorted(retired.values(), key=lambda r: r.id):
        for new in old.replaced_by:
            aliases.setdefault(new, []).append(old.id)
    rules = sorted(
        (replace(r, aliases=tuple(aliases[r.id])) if r.id in aliases else r for r in merged.values()),
        key=lambda r: r.id,
    )
    return RuleSet(rules=rules, principles=principles, packs=pack_names, retired=retired)


_HOOK_LINE_RX = re.compile(r"^hook:[ \t]*['\"]?([\w-]+)", re.M)
_EXTENDS_LINE_RX = re.compile(r"^extends:[ \t]*(.*)$", re.M)
# each optional part owns the spaces after it: `\s*-?\s*\{?\s*` was quartic on blank lines
_ID_LINE_RX = re.compile(r"^[ \t]*(?:-[ \t]*)?(?:\{[ \t]*)?id:[ \t]*['\"]?([A-Z]{2,4}[0-9]{3})\b", re.M)


class Peek:
    """What a rule file says at a glance, read with a regex instead of a YAML parse: its top-level
    `hook:` line (or the default hook) and every `id:` it writes (rules, disabled, retired)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def hook(self) -> str:
        m = _HOOK_LINE_RX.search(self.text)
        return m.group(1) if m else DEFAULT_HOOK

    @cached_property
    def extends(self) -> tuple[str, ...]:
        """The packs its top-level `extends:` names (`extends: generic` or `extends: [a, b]`)."""
        m = _EXTENDS_LINE_RX.search(self.text)
        if m is None:
            return ()
        value = m.group(1).split("#", 1)[0].strip().strip("[]")
        return tuple(n.strip().strip("'\"") for n in value.split(",") if n.strip().strip("'\""))

    @cached_property
    def ids(self) -> frozenset[str]:  # only the `disable` check asks: not worth it on every load
        return frozenset(_ID_LINE_RX.findall(self.text))

    @cached_property
    def principles(self) -> frozenset[str]:
        """The principle names its `principles:` declares (a YAML parse: only a config with
        `principles:` asks); none when it does not parse (the loader reports that)."""
        try:
            doc = load_text(self.text, "<peek>")
        except YamlError:
            return frozenset()
        found = doc.get("principles") if isinstance(doc, LineDict) else None
        return frozenset(str(k) for k in found) if isinstance(found, LineDict) else frozenset()


def peek(path: Path) -> Peek | None:
    """A rule file at a glance, read once per version of it; None when it cannot be read (the
    loader says why)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _peek(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _peek(path: str, mtime_ns: int, size: int) -> Peek | None:
    raw = read_file(Path(path), MAX_YAML_SIZE)
    return None if isinstance(raw, Unread) else Peek(raw.decode("utf-8", "replace"))


def declared_ids(own_files: Iterable[Path] = ()) -> set[str]:
    """Rule ids of every bundled pack (any hook) and of these rule files, without compiling a rule."""
    paths = [p for pack in bundled_packs() for p in pack_files(pack)] + list(own_files)
    ids: set[str] = set()
    for path in paths:
        found = peek(path)
        if found is not None:
            ids |= found.ids
    return ids


def with_extended(packs: Iterable[str], hook: str | None, own_files: Iterable[Path] = ()) -> list[str]:
    """The packs to load: each pack after the packs it (or one of the repo's own rule files) extends,
    each once (`packs: [ava-olo]` loads generic first; `[generic, ava-olo]` loads it once).

    A file extends packs for its own hook only: the ava-olo design pack extends the generic design
    pack, not every generic file. Unknown or cyclic names are left to the loader, which reports them.
    """
    available = set(bundled_packs())
    order: list[str] = []
    visiting: set[str] = set()

    def parents(files: Iterable[Path]) -> list[str]:
        out = []
        for path in files:
            found = peek(path)
            if found is not None and (hook is None or found.hook == hook):
                out += [p for p in found.extends if p in available]
        return out

    def visit(pack: str) -> None:
        if pack in order or pack in visiting:
            return
        visiting.add(pack)
        for parent in parents(pack_files(pack)):
            visit(parent)
        visiting.discard(pack)
        order.append(pack)

    for parent in parents(own_files):
        visit(parent)
    for pack in packs:
        visit(pack)
    return order


def declared_principles(packs: Iterable[str], own_files: Iterable[Path] = ()) -> set[str]:
    """Principle names the packs (with the packs they extend) and rule files declare, for every hook
    (the config's `principles:` may name any of them)."""
    own = list(own_files)
    paths = [p for pack in with_extended(packs, None, own) for p in pack_files(pack)] + own
    names: set[str] = set()
    for path in paths:
        found = peek(path)
        if found is not None:
            names |= found.principles
    return names


def _may_serve(path: Path, hook: str) -> bool:
    """Whether a bundled rule file can be for `hook`, read from its top-level `hook:` line alone."""
    found = peek(path)
    return found is None or found.hook == hook  # unreadable: let the loader report it


def _load_file(
    path: Path,
    shown: str,
    hook: str | None,
    is_bundled: bool,
    errors: _Collector,
    principles: dict[str, Principle],
    bundled: dict[str, Rule],
    own: dict[str, Rule],
    disabled: set[str],
    retired: dict[str, RetiredRule],
) -> None:
    if hook is not None and is_bundled and not _may_serve(path, hook):
        return  # another hook's pack file: not worth parsing on every commit
    try:
        doc = load_file(path, shown)
    except YamlError as exc:
        errors.add(exc.path, exc.line, exc.message)
        return
    if not isinstance(doc, LineDict):
        errors.add(shown, 1, "a rule file must be a mapping with 'pack', 'version' and 'rules'")
        return
    for key in doc:
        if key not in PACK_KEYS:
            errors.add(shown, doc.line_of(key), unknown_key(key, PACK_KEYS))
    pack = doc.get("pack")
    if not isinstance(pack, str) or not pack:
        errors.add(shown, doc.line, "missing 'pack': name the pack this file belongs to")
        pack = "?"
    if not isinstance(doc.get("version"), int):
        errors.add(shown, doc.line_of("version"), "'version' must be an integer")
    file_hook = doc.get("hook", DEFAULT_HOOK)
    if not isinstance(file_hook, str) or file_hook not in RULE_HOOKS:
        # checked before the file is set aside as another hook's: a typo must not disable it
        if isinstance(file_hook, str):
            message = "'hook': " + unknown_key(file_hook, RULE_HOOKS, "hook id")
        else:
            message = "'hook' must be the id of the hook that runs this file, such as 'env-vars'"
        errors.add(shown, doc.line_of("hook"), message)
        return
    if hook is not None and file_hook != hook:
        return
    _check_extends(doc, path, shown, errors)
    raw_principles = doc.get("principles", LineDict())  # optional: a file may only disable or add rules
    if not isinstance(raw_principles, LineDict):
        errors.add(shown, doc.line_of("principles"), "'principles' must map names to {weight: N}")
        raw_principles = LineDict()
    for name, spec in raw_principles.items():
        line = raw_principles.line_of(name)
        if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > 80:
            # it is printed in every score summary: a control character would forge or colour a line
            errors.add(shown, line, f"principle {name!r}: a name must be printable text of 1-80 characters")
            continue
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"weight": spec}
        if not isinstance(spec, Mapping):
            errors.add(shown, line, f"principle '{name}' must be a mapping like {{weight: 2}}")
            continue
        for key in spec:
            if key not in PRINCIPLE_KEYS:
                errors.add(shown, line, f"principle '{name}': " + unknown_key(key, PRINCIPLE_KEYS))
        weight = spec.get("weight", 1)
        min_score = spec.get("min_score")
        if not _is_weight(weight):
            errors.add(shown, line, f"principle '{name}': 'weight' must be above 0 and at most {MAX_WEIGHT}")
            weight = 1
        if min_score is not None and (not _is_number(min_score) or not 0 <= min_score <= 100):
            errors.add(shown, line, f"principle '{name}': 'min_score' must be between 0 and 100")
            min_score = None
        known = principles.get(name)
        if known is None:
            principles[name] = Principle(name, float(weight), min_score, pack)
        elif known.weight != float(weight) or known.min_score != min_score:
            # two packs share a principle: its score must not depend on which pack loads first
            errors.add(
                shown,
                line,
                f"principle '{name}' is also declared by pack '{known.pack}' with "
                f"weight {known.weight:g}, min_score {known.min_score}; declare it the same way",
            )
    lists = _lists(doc, shown, errors)
    raw_rules = doc.get("rules", [])
    if not isinstance(raw_rules, LineList):
        errors.add(shown, doc.line_of("rules"), "'rules' must be a list of rules")
        return
    for index, raw in enumerate(raw_rules):
        line = raw_rules.item_lines[index]
        if not isinstance(raw, LineDict):
            errors.add(shown, line, "each rule must be a mapping")
            continue
        rule_id = raw.get("id")
        if isinstance(rule_id, str) and raw.get("disabled") is True and set(raw) <= {"id", "disabled"}:
            disabled.add(rule_id)
            continue
        if raw.get("retired") is True:
            old = _build_retired(raw, shown, pack, errors)
            if old is not None:
                _reserve(old, shown, raw.line, errors, bundled, own, retired)
            continue
        rule = _build_rule(raw, shown, pack, errors, lists)
        if rule is None:
            continue
        if raw.get("disabled") is True:  # a full rule written out and switched off
            disabled.add(rule.id)
            continue
        target = bundled if is_bundled else own
        if rule.id in target:
            other = target[rule.id]
            errors.add(
                shown,
                raw.line,
                f"{rule.id}: duplicate rule id (also at {other.source}:{other.line})",
            )
            continue
        if rule.id in retired:
            errors.add(shown, raw.line, _reserved_message(rule.id, retired[rule.id]))
            continue
        target[rule.id] = rule


def _check_extends(doc: LineDict, path: Path, shown: str, errors: _Collector) -> None:
    """`extends` names bundled packs (what `with_extended` reads from the header line)."""
    if "extends" not in doc:
        return
    value = doc["extends"]
    names = [value] if isinstance(value, str) else value
    line = doc.line_of("extends")
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        errors.add(shown, line, "'extends' must name a bundled pack, or list several: extends: generic")
        return
    available = bundled_packs()
    for name in names:
        if name not in available:
            errors.add(
                shown, line, f"'extends': unknown pack '{name}' (bundled packs: {', '.join(available)})"
            )
    found = peek(path)
    if found is not None and tuple(names) != found.extends:
        errors.add(shown, line, "write 'extends' on one line: extends: generic, or extends: [a, b]")


def _reserved_message(rule_id: str, old: RetiredRule) -> str:
    instead = f", replaced by {', '.join(old.replaced_by)}" if old.replaced_by else ""
    return (
        f"{rule_id}: the id of a retired rule ({old.name}{instead}, {old.source}:{old.line}); "
        "ids are never reused: give this rule a new id"
    )


def _reserve(
    old: RetiredRule,
    shown: str,
    line: int,
    errors: _Collector,
    bundled: dict[str, Rule],
    own: dict[str, Rule],
    retired: dict[str, RetiredRule],
) -> None:
    if old.id in retired:
        other = retired[old.id]
        errors.add(shown, line, f"{old.id}: duplicate rule id (also at {other.source}:{other.line})")
        return
    for target in (bundled, own):
        if old.id in target:
            errors.add(target[old.id].source, target[old.id].line, _reserved_message(old.id, old))
            return
    retired[old.id] = old


def _build_retired(raw: LineDict, shown: str, pack: str, errors: _Collector) -> RetiredRule | None:
    """A retired rule needs its id and name (and may say which rule replaced it); the rest of its
    old definition may stay for the record but is neither compiled nor run."""
    kinds = load_kinds()
    rule_id = raw.get("id")
    label = rule_id if isinstance(rule_id, str) else "rule"
    before = len(errors.problems)

    def err(key: str | None, message: str) -> None:
        errors.add(shown, raw.line_of(key) if key else raw.line, f"{label}: {message}")

    if not isinstance(rule_id, str) or not ID_RX.match(rule_id):
        err("id", "'id' must be 2-4 capital letters and 3 digits, like CC001")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RX.match(name):
        err("name", "'name' must be a slug like 'private-key-in-code'")
    known = RULE_KEYS.union(*(k.fields for k in kinds.values()))
    for key in raw:
        if key not in known:
            err(key, unknown_key(key, RULE_KEYS))
    replaced_by = raw.get("replaced-by", [])
    if isinstance(replaced_by, str):
        replaced_by = [replaced_by]
    if not isinstance(replaced_by, list) or not all(
        isinstance(r, str) and ID_RX.match(r) for r in replaced_by
    ):
        err(
            "replaced-by",
            "'replaced-by' must be the id (or a list of the ids) of the rules that took its place",
        )
        replaced_by = []
    if rule_id in replaced_by:
        err("replaced-by", "a rule cannot replace itself")
    description = raw.get("description", "")
    if not isinstance(description, str):
        err("description", "'description' must be a string")
    if len(errors.problems) > before:
        return None
    assert isinstance(rule_id, str) and isinstance(name, str)
    return RetiredRule(
        rule_id, name, pack, shown, raw.line, tuple(replaced_by), " ".join(str(description).split())
    )


def _is_number(value: Any) -> bool:
    # YAML's .nan and .inf are floats: a NaN weight or score would make every score NaN, and
    # JSON output would carry a NaN no JSON parser reads
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_weight(value: Any) -> bool:
    return _is_number(value) and 0 < value <= MAX_WEIGHT


def _lists(doc: LineDict, shown: str, errors: _Collector) -> dict[str, list[Any]]:
    """The file's named lists (`lists: {palette: [...]}`), which its rules' list fields may name."""
    raw = doc.get("lists", LineDict())
    if not isinstance(raw, LineDict):
        errors.add(shown, doc.line_of("lists"), "'lists' must map names to lists of values")
        return {}
    out: dict[str, list[Any]] = {}
    for name, items in raw.items():
        if not isinstance(items, list) or not all(isinstance(i, (str, int, float)) for i in items):
            errors.add(shown, raw.line_of(name), f"list '{name}' must be a list of plain values")
            continue
        out[name] = list(items)
    return out


def _build_rule(
    raw: LineDict, shown: str, pack: str, errors: _Collector, lists: Mapping[str, list[Any]] | None = None
) -> Rule | None:
    kinds = load_kinds()
    rule_id = raw.get("id")
    label = rule_id if isinstance(rule_id, str) else "rule"
    before = len(errors.problems)

    def err(key: str | None, message: str) -> None:
        line = raw.line_of(key) if key else raw.line
        errors.add(shown, line, f"{label}: {message}")

    if not isinstance(rule_id, str) or not ID_RX.match(rule_id):
        err("id", "'id' must be 2-4 capital letters and 3 digits, like CC001")
    kind_name = raw.get("check")
    kind = kinds.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        err("check", f"'check' must be one of {', '.join(sorted(kinds))}")
    allowed = RULE_KEYS | (kind.fields if kind else frozenset())
    for key in raw:
        if key not in allowed:
            if kind is None or key not in set().union(*(k.fields for k in kinds.values())):
                err(key, unknown_key(key, allowed))
            else:
                err(key, f"'{key}' does not belong to check kind '{kind_name}'")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RX.match(name):
        err("name", "'name' must be a slug like 'private-key-in-code'")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        err("severity", "'severity' must be 'error' or 'warning'")
    message = raw.get("message")
    if not isinstance(message, str) or not message.strip():
        err("message", "'message' must be a non-empty string")
    description = raw.get("description", "")
    if not isinstance(description, str):
        err("description", "'description' must be a string")
    principle = raw.get("principle")
    if principle is not None and not isinstance(principle, str):
        err("principle", "'principle' must be the name of a principle in the pack header")
    for key in ("blocking", "retired", "disabled"):
        if key in raw and not isinstance(raw[key], bool):
            err(key, f"'{key}' must be true or false")
    weight = raw.get("weight", 1)
    if not _is_weight(weight):
        err("weight", f"'weight' must be a number above 0 and at most {MAX_WEIGHT}")
    globs: dict[str, list[str]] = {}
    for key in ("files", "exclude"):
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            err(key, f"'{key}' must be a glob or a list of globs")
            value = []
        for glob in value:
            try:
                check_glob(glob)
            except GlobError as exc:
                err(key, str(exc))
        globs[key] = value
    checker: Checker | None = None
    if kind is not None:
        missing = kind.required - set(raw)
        for key in sorted(missing):
            err(None, f"check kind '{kind_name}' needs '{key}'")
        if not missing:
            fields = {k: raw[k] for k in kind.fields if k in raw}
            named = {k: fields[k] for k in kind.list_fields & set(fields) if isinstance(fields[k], str)}
            unknown_lists = [k for k, name in named.items() if name not in (lists or {})]
            for key in unknown_lists:
                known = ", ".join(sorted(lists or {})) or "none"
                err(key, f"'{key}': no list '{named[key]}' in this file's 'lists' (lists: {known})")
            for key in set(named) - set(unknown_lists):
                fields[key] = list((lists or {})[named[key]])
            try:
                checker = None if unknown_lists else kind.compile(fields)
            except CheckError as exc:
                if exc.line is not None:
                    errors.add(shown, exc.line, f"{label}: {exc.message}")
                else:
                    err(exc.key, exc.message)
    examples = _examples(raw, err)
    if "replaced-by" in raw:
        err("replaced-by", "'replaced-by' belongs to a retired rule (retired: true)")
    if len(errors.problems) > before or checker is None or kind is None:
        return None
    assert isinstance(rule_id, str) and isinstance(message, str) and isinstance(name, str)
    return Rule(
        id=rule_id,
        name=name,
        severity=str(severity),
        principle=principle,
        message=message.strip(),
        description=str(description).strip(),
        kind=kind.name,
        checker=checker,
        files=PathMatcher(globs["files"] or kind.default_files or ("**",)),
        exclude=PathMatcher(globs["exclude"]),
        blocking=bool(raw.get("blocking", False)),
        weight=float(weight),
        examples=examples,
        pack=pack,
        source=shown,
        line=raw.line,
    )


def _examples(raw: LineDict, err: Any) -> tuple[Example, ...]:
    block = raw.get("examples")
    if not isinstance(block, LineDict):
        err("examples", "'examples' with both 'pass' and 'fail' lists is required")
        return ()
    out: list[Example] = []
    for key in block:
        if key not in ("pass", "fail"):
            err("examples", f"examples: {unknown_key(key, ('pass', 'fail'))}")
    for kind in ("pass", "fail"):
        items = block.get(kind)
        if not isinstance(items, LineList) or not items:
            err("examples", f"examples: a non-empty '{kind}' list is required")
            continue
        for i, item in enumerate(items):
            line = items.item_lines[i]
            if isinstance(item, str):
                out.append(Example(code=item, expect_fail=kind == "fail", line=line))
                continue
            if not isinstance(item, LineDict) or not isinstance(item.get("code"), str):
                err("examples", f"examples.{kind}[{i}] must be a string or a mapping with 'code'")
                continue
            bad = [k for k in item if k not in EXAMPLE_KEYS]
            for k in bad:
                err("examples", f"examples.{kind}[{i}]: {unknown_key(k, EXAMPLE_KEYS)}")
            files = item.get("files", {})
            if not isinstance(files, Mapping):
                err("examples", f"examples.{kind}[{i}]: 'files' must map paths to contents")
                files = {}
            tags = item.get("tags", [])
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                err("examples", f"examples.{kind}[{i}]: 'tags' must be a list of tag names")
                tags = []
            before = item.get("before", {})
            if not isinstance(before, Mapping) or not all(isinstance(v, str) for v in before.values()):
                err(
                    "examples",
                    f"examples.{kind}[{i}]: 'before' must map paths to their contents before the change",
                )
                before = {}
            out.append(
                Example(
                    code=item["code"],
                    expect_fail=kind == "fail",
                    line=line,
                    path=item.get("path"),
                    at_line=item.get("line"),
                    at_col=item.get("col"),
                    message=item.get("message"),
                    files=dict(files),
                    tags=tuple(tags),
                    before=dict(before),
                )
            )
    return tuple(out)
