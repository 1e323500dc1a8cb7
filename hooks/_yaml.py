"""YAML loading that keeps line numbers and rejects what PyYAML would silently accept.

Mappings load as `LineDict` (a dict that knows the line of itself and of each key), so every
configuration or rule error can name its file and line. Duplicate keys are errors, not "last wins".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ._read import Unread, read_file

MAX_YAML_SIZE = 16 * 1024 * 1024  # bytes: rule files and data tables are far smaller

try:  # the C loader is several times faster; fall back where libyaml is absent
    _BaseLoader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


class YamlError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class LineDict(dict):  # type: ignore[type-arg]
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):  # type: ignore[type-arg]
    line: int = 0
    item_lines: list[int]


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    duplicates_allowed = False


class _LenientLoader(_Loader):
    """What a platform's own YAML loader reads: a duplicate key keeps the last value."""

    duplicates_allowed = True


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        skey = key if isinstance(key, str) else str(key)
        if skey in result and not loader.duplicates_allowed:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {skey!r} (first at line {result.key_lines[skey]}); "
                "YAML would silently keep only the last one",
                key_node.start_mark,
            )
        result[skey] = loader.construct_object(value_node, deep=True)
        result.key_lines[skey] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_text(text: str, path: str, *, allow_duplicates: bool = False) -> Any:
    """Strict YAML with lines; `allow_duplicates` reads a duplicate key as PyYAML does (the last wins),
    for a reader that reports the duplicate and still wants what the file says."""
    loader = _LenientLoader if allow_duplicates else _Loader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders derive from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or str(exc)
        if exc.context and exc.context not in problem:
            problem = f"{exc.context}: {problem}"
        raise YamlError(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # ReaderError (a control character): its str() spans two lines
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        raise YamlError(path, line, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # PyYAML builds nested collections recursively
        raise YamlError(path, 1, "invalid YAML: nested too deeply to read") from None


def load_file(path: Path, display: str | None = None) -> Any:
    shown = display or str(path)
    raw = read_file(path, MAX_YAML_SIZE)  # a regular file only: a FIFO would block, a device not end
    if isinstance(raw, Unread):
        detail = "No such file or directory" if raw.detail == "no such file" else raw.detail
        raise YamlError(shown, 1, f"cannot read: {detail}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(shown, line, "not UTF-8 text; save the file as UTF-8") from None
    return load_text(text, shown)
