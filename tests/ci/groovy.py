"""A Jenkinsfile read as a Groovy syntax tree (tree-sitter-groovy), for parse-level checks.

There is no Jenkins (and no declarative-pipeline linter) offline; the grammar catches Groovy
syntax errors, and the tree gives each call (``stage('Up prod') { ... }``, ``sh '''...'''``)
with its arguments and the calls it sits in, so the checks follow the nesting, not the layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tree_sitter
import tree_sitter_groovy

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_groovy.language()))
_CALLS = ("method_invocation", "juxt_function_call")


def parse(path: Path) -> tree_sitter.Tree:
    return _PARSER.parse(path.read_bytes())


def syntax_errors(tree: tree_sitter.Tree) -> list[str]:
    found = []

    def visit(node: tree_sitter.Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            found.append(
                f"line {node.start_point[0] + 1}: {node.text.decode()[:60]!r}" if node.text else f"line {node.start_point[0] + 1}"
            )
        for child in node.children:
            visit(child)

    visit(tree.root_node)
    return found


def string_value(node: tree_sitter.Node) -> str:
    """The text of a Groovy string literal without its quotes ('...', '''...''', "...")."""
    text = (node.text or b"").decode()
    for quote in ("'''", '"""', "'", '"'):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 2 * len(quote):
            return text[len(quote) : -len(quote)]
    raise AssertionError(f"not a string literal: {text!r}")


@dataclass(frozen=True)
class Call:
    """One call in the Jenkinsfile: its name, its node and the names of the calls around it."""

    name: str
    node: tree_sitter.Node
    outer: tuple[Call, ...]

    @property
    def line(self) -> int:
        return self.node.start_point[0] + 1

    def strings(self) -> list[str]:
        """The string literals passed directly to this call (not those of nested calls)."""
        args = self.node.child_by_field_name("arguments") or self.node.child_by_field_name("args")
        if args is None:
            return []
        return [string_value(a) for a in args.named_children if a.type in ("string_literal", "character_literal")]

    @property
    def is_double_quoted(self) -> bool:
        args = self.node.child_by_field_name("arguments") or self.node.child_by_field_name("args")
        return args is not None and any((a.text or b"").startswith(b'"') for a in args.named_children)

    def within(self, name: str) -> list[Call]:
        return [c for c in self.outer if c.name == name]

    @property
    def text(self) -> str:
        return (self.node.text or b"").decode()


def calls(tree: tree_sitter.Tree) -> list[Call]:
    """Every call, in source order, each with the calls it is nested in (outermost first)."""
    found: list[Call] = []

    def visit(node: tree_sitter.Node, outer: tuple[Call, ...]) -> None:
        if node.type in _CALLS and node.child_by_field_name("name") is not None:
            name = node.child_by_field_name("name")
            call = Call((name.text or b"").decode() if name else "", node, outer)
            found.append(call)
            outer = (*outer, call)
        for child in node.named_children:
            visit(child, outer)

    visit(tree.root_node, ())
    return found


def named(all_calls: list[Call], name: str) -> Iterator[Call]:
    return (c for c in all_calls if c.name == name)
