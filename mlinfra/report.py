"""Human-readable rendering of a Plan: counts by type, the component tree, the outputs."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mlinfra.engine import Plan, PlannedResource, Secret


def print_plan(console: Console, plan: Plan) -> None:
    custom = [r for r in plan.resources if r.custom]
    console.print(
        f"[bold]mlinfra plan[/] stack [cyan]{plan.stack}[/]: {len(plan.resources)} resources "
        f"({len(custom)} cloud/Kubernetes resources, {len(plan.resources) - len(custom)} components) "
        "[dim]- verified offline, nothing deployed[/]"
    )
    console.print(counts_table(plan))
    console.print(component_tree(plan))
    console.print(outputs_table(plan))
    for diag in plan.diagnostics:
        console.print(f"[yellow]{diag['severity']}:[/] {diag['message']}", markup=True)


def counts_table(plan: Plan) -> Table:
    table = Table(title="Resources by type", title_justify="left")
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_, count in plan.counts_by_type().items():
        table.add_row(type_, str(count))
    return table


def _label(r: PlannedResource) -> str:
    flags = []
    if r.protect:
        flags.append("protected")
    if r.retain_on_delete:
        flags.append("retained")
    suffix = f" [magenta]({', '.join(flags)})[/]" if flags else ""
    style = "bold" if not r.custom else ""
    name = f"[{style}]{r.name}[/]" if style else r.name
    return f"{name} [dim]{r.type}[/]{suffix}"


def component_tree(plan: Plan) -> Tree:
    tree = Tree(f"[bold]{plan.stack_urn.split('::')[-1]}[/] [dim]pulumi:pulumi:Stack[/]")
    children: dict[str, list[PlannedResource]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)

    def add(node: Tree, parent_urn: str) -> None:
        # Components first, then their cloud resources, each alphabetical: stable output.
        for r in sorted(children.get(parent_urn, []), key=lambda x: (x.custom, x.name, x.type)):
            add(node.add(_label(r)), r.urn)

    roots = {r.parent for r in plan.resources if plan.by_urn(r.parent) is None}
    for root in sorted(roots):
        add(tree, root)
    return tree


def _show(value: Any) -> str:
    if isinstance(value, Secret):
        return "[secret]"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def outputs_table(plan: Plan) -> Table:
    table = Table(title="Outputs", title_justify="left")
    table.add_column("name")
    table.add_column("value", overflow="fold")
    for key, value in plan.outputs.items():
        table.add_row(key, Text(_show(value)))
    return table
