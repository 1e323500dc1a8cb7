"""Checks of the AVA OLO constitution that a pattern cannot express.

Each function takes `(source, options)` and yields `Match`es. Word lists and thresholds come from the
rule's `options:` in rules/ava-olo/constitution.yaml, so a team tunes them in data, not here. Every
function is stdlib `ast` only and looks at a file once, cheaply: it runs on every commit.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .._checks.plugin import Regex, takes_options
from .._checks.python import is_standalone_script
from .._checks.strings import dotted_name as _dotted
from .._python import modules
from .._source import Match, SourceFile

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
STRING_METHODS = frozenset({"lower", "upper", "strip", "casefold", "title", "lstrip", "rstrip"})


# --- shared helpers ------------------------------------------------------------------------------


def _regex(options: Mapping[str, Any], key: str) -> re.Pattern[str] | None:
    value = options.get(key)
    if value is None:
        return None
    return _compile(str(value), bool(options.get("ignore_case", False)))


@lru_cache(maxsize=128)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def _words(options: Mapping[str, Any], key: str) -> frozenset[str]:
    value = options.get(key, ())
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).lower() for v in value)


def _mentions(source: SourceFile, options: Mapping[str, Any]) -> bool:
    """The cheap first test: the text holds one of the `contains` words (any case), if given.

    A substring test over the lowered text is many times faster than a case-insensitive regex
    with leading alternatives, and most files fail it.
    """
    words = options.get("contains")
    if not words:
        return True
    text = source.text.lower()
    return any(str(w).lower() in text for w in words)


def _position(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    line = getattr(node, "lineno", 1)
    return line, source.char_col(line, getattr(node, "col_offset", 0))


def _module_of(path: str) -> str:
    return modules.module_name(path) if path.endswith((".py", ".pyi")) else ""


def _imported_modules(node: ast.Import | ast.ImportFrom, path: str) -> list[str]:
    """Every module (or module attribute) an import statement names, relative imports resolved
    the way the `imports` check kind resolves them."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        base = modules.resolve_relative(modules.module_name(path), modules.is_package(path), node.level, base)
    names = [f"{base}.{alias.name}" if base else alias.name for alias in node.names if alias.name != "*"]
    return [base, *names] if base else names


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _top_level_names(source: SourceFile) -> frozenset[str]:
    """First-party top-level packages and modules of the repo (`src/` layout looked through)."""
    return modules.module_index(source.context).top_level


@lru_cache(maxsize=4)
def _basenames(repo_files: frozenset[str]) -> frozenset[str]:
    return frozenset(posixpath.basename(p) for p in repo_files)


# --- LLM-FIRST: hardcoded decision chains and tables ---------------------------------------------


def _unwrap(node: ast.expr) -> ast.expr:
    """`farmer.crop.lower()` -> `farmer.crop`: string normalisation does not change the subject."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in STRING_METHODS
        and not node.args
    ):
        node = node.func.value
    return node


def _subject_name(node: ast.expr) -> str:
    """The last identifier of a compared expression: `farmer.crop.lower()` -> `crop`."""
    node = _unwrap(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return ""


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts) and all(_is_literal(e) for e in node.elts)
    return False


def _literal_subjects(test: ast.expr) -> dict[str, ast.expr]:
    """Subjects a branch test compares with literals (`x == "a"`, `x in (...)`, `"rain" in x`)."""
    if isinstance(test, ast.BoolOp):
        found: dict[str, ast.expr] = {}
        for value in test.values:
            found.update(_literal_subjects(value))
        return found
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return {}
    if not isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
        return {}
    left, right = test.left, test.comparators[0]
    if _is_literal(left) == _is_literal(right):
        return {}
    subject = _unwrap(right if _is_literal(left) else left)
    return {ast.dump(subject): subject}


@takes_options(min_branches=int, subject_pattern=Regex, ignore_case=bool)
def check_literal_if_chain(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """An if/elif chain (or `match`) that routes one domain value through literal comparisons.

    Options: `min_branches` (default 4) and `subject_pattern`, a regex the compared variable's last
    identifier must fully match (crop, country, intent...): status or mode dispatch is not flagged.
    """
    min_branches = int(options.get("min_branches", 4))
    text = source.text
    if text.count("elif") < min_branches - 1 and not ("match" in text and "case" in text):
        return
    subject_rx = _regex(options, "subject_pattern")

    def fits(subject: ast.expr) -> bool:
        return subject_rx is None or subject_rx.fullmatch(_subject_name(subject)) is not None

    elifs: set[int] = set()
    for node in source.nodes(ast.If, ast.Match):  # in source order: an `if` before its `elif`s
        if isinstance(node, ast.If) and id(node) not in elifs:
            counts: dict[str, int] = {}
            subjects: dict[str, ast.expr] = {}
            branch: ast.If | None = node
            while branch is not None:
                found = _literal_subjects(branch.test)
                for key in found:
                    counts[key] = counts.get(key, 0) + 1
                subjects.update(found)
                nxt = branch.orelse[0] if len(branch.orelse) == 1 else None
                branch = nxt if isinstance(nxt, ast.If) else None
                if branch is not None:
                    elifs.add(id(branch))
            ranked = sorted(counts.items(), key=lambda item: -item[1])
            hit = next(((subjects[k], n) for k, n in ranked if n >= min_branches and fits(subjects[k])), None)
            if hit is not None:
                yield _chain_match(source, node, *hit)
        elif isinstance(node, ast.Match):
            count = sum(1 for case in node.cases if _is_literal_case(case.pattern))
            if count >= min_branches and fits(node.subject):
                yield _chain_match(source, node, node.subject, count)


def _is_literal_case(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchValue):
        return _is_literal(pattern.value)
    if isinstance(pattern, ast.MatchOr):
        return all(_is_literal_case(p) for p in pattern.patterns)
    return False


def _chain_match(source: SourceFile, node: ast.stmt, subject: ast.expr, count: int) -> Match:
    line, col = _position(source, node)
    return Match(line, col, {"subject": source.segment(subject), "branches": str(count)})


def _matching_keys(node: ast.Dict, words: frozenset[str], rx: re.Pattern[str] | None) -> tuple[int, int]:
    """(keys that name a listed word or fit the pattern, string keys in all)."""
    hits = total = 0
    for key in node.keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            total += 1
            value = key.value.strip()
            if value.lower() in words or (rx is not None and rx.fullmatch(value)):
                hits += 1
    return hits, total


@lru_cache(maxsize=16)
def _quoted_keys(words: frozenset[str], pattern: str | None) -> re.Pattern[str]:
    """A text search for `"key":` with a key that could count (a cheap bound before the walk)."""
    keys = [re.escape(w) for w in sorted(words)] + ([pattern] if pattern else [])
    alternatives = "|".join(f"(?:{k})" for k in keys)
    return re.compile("([\"'])(?:" + alternatives + r")\1\s*:", re.IGNORECASE)


@takes_options(
    min_keys=int,
    min_share=float,
    keys=str | list[str],
    key_pattern=Regex,
    ignore_case=bool,
    nested_min_keys=int,
    nested_min_entries=int,
)
def check_literal_dict_keys(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """A dict literal keyed by domain values (crop names, language codes, phone prefixes).

    Options: `keys` (words, case-insensitive) and/or `key_pattern` (a regex a key must fully match),
    `min_keys` (default 3) and `min_share` (default 0.6) of the dict's string keys. With
    `nested_min_keys`, a dict of at least `nested_min_entries` (default 2) such dicts counts too:
    `{"welcome": {"en": ..., "bg": ...}, "bye": {...}}`.
    """
    words = _words(options, "keys")
    rx = _regex(options, "key_pattern")
    min_keys = int(options.get("min_keys", 3))
    min_share = float(options.get("min_share", 0.6))
    nested_keys = options.get("nested_min_keys")
    nested_entries = int(options.get("nested_min_entries", 2))
    fewest = min(min_keys, int(nested_keys)) if nested_keys is not None else min_keys
    if len(_quoted_keys(words, rx.pattern if rx else None).findall(source.text)) < fewest:
        return  # not even that many quoted keys in the whole file

    def fits(node: ast.Dict, needed: int) -> bool:
        hits, total = _matching_keys(node, words, rx)
        return hits >= needed and hits >= min_share * total

    reported: set[int] = set()
    for node in source.nodes(ast.Dict):  # outer dicts come before the dicts inside them
        if not isinstance(node, ast.Dict) or id(node) in reported:
            continue
        direct = fits(node, min_keys)
        nested = nested_keys is not None and (
            sum(1 for v in node.values if isinstance(v, ast.Dict) and fits(v, int(nested_keys)))
            >= nested_entries
        )
        if not (direct or nested):
            continue
        reported.update(id(d) for d in ast.walk(node) if isinstance(d, ast.Dict))
        shown = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)][:4]
        line, col = _position(source, node)
        yield Match(line, col, {"keys": ", ".join(repr(k) for k in shown), "count": str(len(node.keys))})


# --- MODULE INDEPENDENCE and API-FIRST: imports across module boundaries -------------------------


def _imports(source: SourceFile) -> Iterator[tuple[ast.Import | ast.ImportFrom, list[str]]]:
    for node in source.nodes(ast.Import, ast.ImportFrom):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, _imported_modules(node, source.path)


def _is_private(part: str, internal: frozenset[str]) -> bool:
    if part.lower() in internal:
        return True
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


@takes_options(internal_names=str | list[str], roots=str | list[str])
def check_private_module_import(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """An import that reaches into another first-party package's private part.

    A dotted component starting with `_` (not a dunder) or named in `internal_names` (default
    `internal`, `private`) is private to the package that contains it. Only another *module* importing
    it is flagged: a module is a top-level package, or `<root>.<name>` for the `roots` packages
    (`modules.crops`). Third-party and stdlib privates are not flagged, and the first component is
    never the private one (`_pytest` is a distribution, not a package's internals).
    """
    if "import" not in source.text:
        return
    internal = _words(options, "internal_names") or frozenset({"internal", "private"})
    roots = _words(options, "roots")
    importer = _module_of(source.path)
    first_party = _top_level_names(source) | {importer.split(".")[0]}
    for node, targets in _imports(source):
        for target in targets:
            parts = target.split(".")
            if parts[0] not in first_party:
                continue
            index = next((i for i, p in enumerate(parts) if i and _is_private(p, internal)), None)
            if index is None:
                continue
            owner = _private_owner(parts, index, source)
            if not owner or _is_within(importer, owner) or _unit(importer, roots) == _unit(owner, roots):
                continue
            line, col = _position(source, node)
            yield Match(line, col, {"target": ".".join(parts[: index + 1]), "owner": owner})
            break


def _unit(module: str, roots: frozenset[str]) -> str:
    """The independent module a dotted name belongs to: `modules.crops.x` -> `modules.crops`."""
    parts = module.split(".")
    return ".".join(parts[:2] if parts[0].lower() in roots else parts[:1])


def _private_owner(parts: list[str], index: int, source: SourceFile) -> str:
    """The package a private part belongs to: a `_name` inside a module file is shared by that
    module's package (its siblings may use it), a private module or package by its parent."""
    if ".".join(parts[:index]) in modules.module_index(source.context).plain_modules:
        return ".".join(parts[: index - 1])
    return ".".join(parts[:index])


@takes_options(roots=str | list[str], data_modules=str | list[str])
def check_foreign_data_import(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """Code importing another module's data layer (`modules.<other>.models` and the like).

    Options: `roots` (packages whose children are modules; default `modules`, `services`) and
    `data_modules` (submodules that are a module's storage; default models, db, database,
    repository, repositories, crud, tables, orm). Code inside the owning module is fine.
    """
    roots = _words(options, "roots") or frozenset({"modules", "services"})
    data = _words(options, "data_modules") or frozenset(
        {"models", "db", "database", "repository", "repositories", "crud", "tables", "orm"}
    )
    importer = _module_of(source.path)
    if importer.split(".")[0] not in roots and not any(root in source.text for root in roots):
        return  # neither inside a module (relative imports) nor naming one
    for node, targets in _imports(source):
        for target in targets:
            parts = target.split(".")
            if len(parts) < 3 or parts[0].lower() not in roots or parts[2].lower() not in data:
                continue
            owner = ".".join(parts[:2])
            if _is_within(importer, owner):
                continue
            line, col = _position(source, node)
            yield Match(line, col, {"target": ".".join(parts[:3]), "owner": owner})
            break


# --- TRANSPARENCY: LLM calls that leave no trace ------------------------------------------------


def _ends_with(dotted: str, suffixes: Sequence[str]) -> str | None:
    for suffix in suffixes:
        if dotted == suffix or dotted.endswith("." + suffix):
            return suffix
    return None


def _scopes(tree: ast.AST) -> Iterator[list[ast.Call]]:
    """The calls of each function (and of the module body), nested functions and classes apart."""
    todo: list[ast.AST] = [tree]
    while todo:
        scope = todo.pop()
        calls: list[ast.Call] = []
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            if isinstance(node, SCOPE_NODES):
                todo.append(node)
                continue
            if isinstance(node, ast.Call):
                calls.append(node)
            stack.extend(ast.iter_child_nodes(node))
        yield calls


@takes_options(
    llm_calls=list[str],
    model_required_for=list[str],
    model_keywords=str | list[str],
    logging_pattern=Regex,
    ignore_case=bool,
)
def check_llm_call_without_logging(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """A function that calls an LLM but logs nothing: the advice a farmer got cannot be traced.

    Options: `llm_calls` (dotted suffixes of LLM client calls), `model_required_for` (suffixes that
    count only with one of the `model_keywords`, default `model`: Anthropic's `messages.create` has
    one, Twilio's does not) and `logging_pattern` (a regex over the dotted callee of a call that
    counts as logging or audit).
    """
    suffixes = [str(s) for s in options.get("llm_calls", ())]
    # `completions.create`, `generate_content`...: the call's last two names are in the text
    if not any(".".join(s.split(".")[-2:]) in source.text for s in suffixes):
        return
    tree = source.tree
    log_rx = _regex(options, "logging_pattern")
    if tree is None or log_rx is None:
        return
    need_model = [str(s) for s in options.get("model_required_for", ())]
    model_keywords = _words(options, "model_keywords") or frozenset({"model"})
    for calls in _scopes(tree):
        llm: list[tuple[ast.Call, str]] = []
        logged = False
        for call in calls:
            dotted = _dotted(call.func)
            hit = _ends_with(dotted, suffixes)
            if hit is not None:
                if _ends_with(dotted, need_model) and not any(
                    k.arg is not None and k.arg.lower() in model_keywords for k in call.keywords
                ):
                    continue
                llm.append((call, hit))
            elif log_rx.search(dotted):
                logged = True
        if logged:
            continue
        for call, hit in llm:
            line, col = _position(source, call)
            yield Match(line, col, {"call": hit})


# --- TEST-DRIVEN: a module and its test --------------------------------------------------------


@takes_options(skip_names=str | list[str], skip_scripts=bool)
def check_module_has_test(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """A module with functions or classes but no `test_<name>.py` / `<name>_test.py` in the repo.

    Options: `skip_names` (file names that need no test of their own), `skip_scripts` (true: not
    standalone scripts at the root, see `is_standalone_script`). Says nothing when the repo's file
    list is unknown.
    """
    if not source.repo_files:
        return
    name = posixpath.basename(source.path)
    if not name.endswith(".py") or name.lower() in _words(options, "skip_names"):
        return
    stem = name[:-3]
    if stem.startswith("test_") or stem.endswith("_test"):
        return
    tree = source.tree
    if tree is None or not any(isinstance(n, SCOPE_NODES) for n in tree.body):
        return
    have = _basenames(source.repo_files)
    if f"test_{stem}.py" in have or f"{stem}_test.py" in have:
        return
    if options.get("skip_scripts") and is_standalone_script(source):
        return  # a one-off script at the root is not a module of the application
    yield Match(1, 1, {"test": f"test_{stem}.py"})


# --- COUNTRY-AWARE LOCALIZATION: a language fixed in code ---------------------------------------


def _code_literal(node: ast.AST | None, rx: re.Pattern[str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and rx.fullmatch(node.value):
        return node.value
    return None


def _fallback_literal(node: ast.expr, rx: re.Pattern[str]) -> ast.expr | None:
    """The language literal a value falls back to: `"en"`, `x or "en"`, `x if y else "en"`."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        node = node.values[-1]
    elif isinstance(node, ast.IfExp):
        node = node.orelse
    return node if _code_literal(node, rx) is not None else None


def _defaults(args: ast.arguments) -> Iterable[tuple[ast.arg, ast.expr | None]]:
    positional = args.posonlyargs + args.args
    padded: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    yield from zip(positional, padded + list(args.defaults), strict=True)
    yield from zip(args.kwonlyargs, args.kw_defaults, strict=True)


@takes_options(ignore_case=bool, contains=list[str], name_pattern=Regex, value_pattern=Regex)
def check_default_language(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """A language fixed in code: parameter and field defaults, `.get(..., "en")`, call arguments.

    Options: `name_pattern` (regex a parameter, field or key name must fully match),
    `value_pattern` (regex a language code must fully match) and `contains` (words one of which
    any such name holds: a cheap test of the text first).
    """
    name_rx = _regex(options, "name_pattern")
    value_rx = _regex(options, "value_pattern")
    if name_rx is None or value_rx is None or not _mentions(source, options):
        return

    def hit(node: ast.AST, name: str, value: str) -> Match:
        line, col = _position(source, node)
        return Match(line, col, {"name": name, "value": value})

    for node in source.nodes(*FUNCTION_NODES, ast.ClassDef, ast.Call):
        if isinstance(node, FUNCTION_NODES):
            for arg, default in _defaults(node.args):
                value = _code_literal(default, value_rx)
                if value is not None and default is not None and name_rx.fullmatch(arg.arg):
                    yield hit(default, arg.arg, value)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    value = _code_literal(stmt.value, value_rx)
                    if value is not None and stmt.value is not None and name_rx.fullmatch(stmt.target.id):
                        yield hit(stmt.value, stmt.target.id, value)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                fixed = _fallback_literal(keyword.value, value_rx)
                if fixed is not None and keyword.arg is not None and name_rx.fullmatch(keyword.arg):
                    yield hit(fixed, keyword.arg, _code_literal(fixed, value_rx) or "")
            if len(node.args) != 2:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in ("get", "getenv"):
                continue
            key = node.args[0]
            value = _code_literal(node.args[1], value_rx)
            if (
                value is not None
                and isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and name_rx.fullmatch(key.value)
            ):
                yield hit(node.args[1], key.value, value)
