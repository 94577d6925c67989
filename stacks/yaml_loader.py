"""YAML for config files: safe, bounded, and a duplicate key is an error.

PyYAML silently keeps the last of two equal keys, so a second `dev:` block would quietly
drop half a team's settings (the Pulumi CLI refuses duplicates too). Config files also come
from pull requests, so a file may not take CI down: its size, its nesting and what its
anchors and aliases expand to are bounded before anything is built, a structure that
contains itself is refused, and team files may use no anchors or aliases at all. Stack files
and team files both load through here.
"""

from __future__ import annotations

from typing import Any

import yaml

from stacks.errors import Problem

MAX_BYTES = 1024 * 1024
"""A config file larger than 1 MiB is refused unread (the largest shipped one is ~2 KiB)."""
MAX_DEPTH = 64
"""Nesting deeper than this is refused (the deepest setting is 5 levels down)."""
MAX_VALUES = 100_000
"""Values after expanding every alias; a "billion laughs" document expands far beyond."""


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping holds the same key twice; ``problem_mark`` points at the second one."""


class LimitError(yaml.YAMLError):
    """A document beyond what a config file may be (size, nesting, aliases, self-reference)."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictMappings(yaml.constructor.SafeConstructor):
    """Mixin: a duplicate key in a mapping is an error (for the pure-Python and the libyaml loader)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges are resolved by the base class, not duplicates
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class reports it
                break
            if duplicate:
                raise DuplicateKeyError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_StrictMappings, yaml.SafeLoader):
    """PyYAML's pure-Python parser: the reference, and the one whose error messages users see."""


# libyaml's parser builds the same node graph ~10x faster (hundreds of team files per plan);
# a document it refuses is parsed again by _StrictLoader, so every message stays the same.
_FastStrictLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastStrictLoader(_StrictMappings, yaml.CSafeLoader):  # type: ignore[no-redef]
        pass


for _loader in (_StrictLoader, _FastStrictLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _loader.construct_mapping)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check(root: yaml.Node, *, allow_aliases: bool) -> None:
    """Raise LimitError if the node graph nests too deep, refers to itself or expands too far.

    The composed graph shares a node wherever an alias points at it; counting each node once
    per reference is the size of the document once aliases are expanded.
    """
    sizes: dict[int, int] = {}
    parents: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in parents:
            raise LimitError("malformed YAML: a structure refers to itself (an alias inside its own anchor)", node.start_mark)
        if key in sizes:
            if not allow_aliases:
                raise LimitError(
                    "anchors and aliases (&name / *name) are not allowed in this file; write the values out", node.start_mark
                )
            return sizes[key]
        if depth > MAX_DEPTH:
            raise LimitError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark)
        parents.add(key)
        total = 1
        for child in _children(node):
            total += size(child, depth + 1)
            if total > MAX_VALUES:
                raise LimitError(f"expands to more than {MAX_VALUES} values once its aliases are resolved", node.start_mark)
        parents.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


def load_yaml(text: str, *, allow_aliases: bool = True) -> Any:
    """``yaml.safe_load`` that refuses duplicate keys and documents beyond a config file's bounds
    (raises a ``yaml.YAMLError``: ``DuplicateKeyError``, ``LimitError`` or PyYAML's own)."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise LimitError(f"larger than {MAX_BYTES // 1024} KiB; a config file is a few KiB")
    if _FastStrictLoader is not None:
        try:
            return _load_with(_FastStrictLoader, text, allow_aliases=allow_aliases)
        except yaml.YAMLError:
            pass  # the pure-Python parser below raises the error users know, with its marks
    return _load_with(_StrictLoader, text, allow_aliases=allow_aliases)


def _load_with(loader_class: Any, text: str, *, allow_aliases: bool) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check(node, allow_aliases=allow_aliases)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml_or_problem(source: str, text: str, *, allow_aliases: bool = True) -> tuple[Any, Problem | None]:
    """The document, or the one Problem that says where ``source`` is not a usable config file
    (never an exception). The one spelling of YAML errors for stack files and team files alike."""
    try:
        return load_yaml(text, allow_aliases=allow_aliases), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        if isinstance(exc, (DuplicateKeyError, LimitError)):  # well-formed YAML, but not acceptable here
            return None, Problem(source, where, str(exc.problem))
        return None, Problem(source, where, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")
    except RecursionError:
        return None, Problem(source, "-", "malformed YAML: nested too deeply")
