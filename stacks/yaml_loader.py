"""YAML for config files: safe, and a duplicate key is an error (the Pulumi CLI refuses them too).

PyYAML silently keeps the last of two equal keys, so a second `dev:` block would quietly
drop half a team's settings. Both stack files and team files load through here.
"""

from __future__ import annotations

from typing import Any

import yaml

from stacks.errors import Problem


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping holds the same key twice; ``problem_mark`` points at the second one."""


class _StrictLoader(yaml.SafeLoader):
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


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` that also refuses duplicate keys (raises a ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_yaml_or_problem(source: str, text: str) -> tuple[Any, Problem | None]:
    """The document, or the one Problem that says where ``source`` is not YAML (never an exception).

    The one spelling of YAML errors for stack files and team files alike.
    """
    try:
        return load_yaml(text), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        if isinstance(exc, DuplicateKeyError):  # well-formed, but one of the two values would be lost
            return None, Problem(source, where, str(exc.problem))
        return None, Problem(source, where, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")
    except RecursionError:
        return None, Problem(source, "-", "malformed YAML: nested too deeply")
