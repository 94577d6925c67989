"""Every report the command line prints: plan, cost, policy, diff, verify, bootstrap, teams.

The domain modules return results (dataclasses, plain data); these functions turn them into
rich tables and lines on a console, or into the ``--json`` text. Nothing here decides an
exit code (mlinfra/cli.py does) or computes a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mlinfra.bootstrap_steps import ALREADY_OK, CREATED, UPDATED  # plain data: no boto3 import
from mlinfra.diff import FINDING_KINDS, DiffResult
from mlinfra.plan import Plan, PlannedResource, Secret  # plain data: no Pulumi import
from mlinfra.verify_result import FAIL, PASS, SKIP, VerifyResult  # plain data: no boto3 import

if TYPE_CHECKING:  # for types only: bootstrap and verify load boto3, policy the policy SDK
    from components.catalog.cost import CostEstimate
    from mlinfra.awaits import Await
    from mlinfra.bootstrap import BootstrapResult
    from mlinfra.capacity import CapacityReport
    from mlinfra.policy import PolicyResult
    from mlinfra.schedule import Schedule


def print_plan(console: Console, plan: Plan) -> None:
    custom = [r for r in plan.resources if r.custom]
    console.print(
        Text.assemble(
            ("mlinfra plan", "bold"),
            " stack ",
            (plan.stack, "cyan"),
            f": {len(plan.resources)} resources ({len(custom)} cloud/Kubernetes resources, "
            f"{len(plan.resources) - len(custom)} components) ",
            ("- verified offline, nothing deployed", "dim"),
        )
    )
    console.print(counts_table(plan))
    console.print(component_tree(plan))
    console.print(outputs_table(plan))
    for diag in plan.diagnostics:
        console.print(Text.assemble((f"{diag['severity']}:", "yellow"), " ", str(diag["message"])))


def counts_table(plan: Plan) -> Table:
    table = Table(title="Resources by type", title_justify="left")
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_, count in plan.counts_by_type().items():
        table.add_row(Text(type_), str(count))
    return table


def _label(r: PlannedResource) -> Text:
    flags = []
    if r.protect:
        flags.append("protected")
    if r.retain_on_delete:
        flags.append("retained")
    suffix = (f" ({', '.join(flags)})", "magenta") if flags else ""
    return Text.assemble((r.name, "bold" if not r.custom else ""), " ", (r.type, "dim"), suffix)


def component_tree(plan: Plan) -> Tree:
    tree = Tree(Text.assemble((plan.stack_urn.split("::")[-1], "bold"), " ", ("pulumi:pulumi:Stack", "dim")))
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
        table.add_row(Text(key), Text(_show(value), overflow="fold"))
    return table


def print_policy(console: Console, result: PolicyResult) -> None:
    """Policy violations grouped by rule: level, what the rule checks, each resource and what to do."""
    mandatory, advisory = len(result.mandatory), len(result.advisory)
    verdict = "[bold red]FAILED[/]" if mandatory else "[bold green]passed[/]"
    console.print(
        f"\n[bold]Policy pack[/] ({result.config_source}): {verdict} - {mandatory} mandatory, {advisory} advisory violation(s)"
    )
    for name, violations in result.by_policy().items():
        # A rule has one enforcement level, but a "cannot evaluate" note may be advisory: show the strictest.
        level = "mandatory" if any(v.level == "mandatory" for v in violations) else violations[0].level
        style = "red" if level == "mandatory" else "yellow"
        console.print(Text.assemble("  ", (level, style), " ", (name, "bold"), f": {violations[0].description}"))
        for v in violations:
            target = f"{v.name} ({v.type})" if v.name else "stack"
            console.print(Text(f"    - {target}: {v.message}"))
    for name, reason in result.not_applicable:
        console.print(Text(f"  not applicable: {name}: {reason}", style="dim"))


def print_cost(console: Console, estimate: CostEstimate) -> None:
    """The estimated monthly cost range with one row per priced item."""
    console.print(cost_table(estimate))
    console.print(
        f"[bold]Estimated monthly cost[/] ({escape(estimate.region)}): "
        f"${estimate.monthly_min:,.2f} at minimum size .. ${estimate.monthly_max:,.2f} at maximum size; "
        f"GPUs {estimate.gpus_min}..{estimate.gpus_max}"
    )
    for entry in estimate.unpriced:
        console.print(Text(f"  not priced: {entry}", style="yellow"))


def cost_table(estimate: CostEstimate) -> Table:
    from components.catalog.prices import HOURS_PER_MONTH

    table = Table(title=f"Estimated monthly cost (USD, on-demand list prices, {HOURS_PER_MONTH} h/month)", title_justify="left")
    table.add_column("item")
    table.add_column("kind")
    table.add_column("GPUs", justify="right")
    table.add_column("min / month", justify="right")
    table.add_column("max / month", justify="right")
    table.add_column("how", overflow="fold")
    for item in estimate.items:
        gpus = f"{item.gpus_min}..{item.gpus_max}" if item.gpus_max else ""
        table.add_row(
            Text(item.name), Text(item.kind), gpus, f"{item.monthly_min:,.2f}", f"{item.monthly_max:,.2f}", Text(item.detail)
        )
    table.add_section()
    table.add_row(
        "total",
        "",
        f"{estimate.gpus_min}..{estimate.gpus_max}",
        f"{estimate.monthly_min:,.2f}",
        f"{estimate.monthly_max:,.2f}",
        "",
    )
    return table


def print_diff(console: Console, result: DiffResult) -> None:
    """The summary line, a table of changes (op, type, name, changed keys), then findings in red."""
    counts = result.summary()
    console.print(
        f"[bold]mlinfra diff[/]: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['delete']} to delete ({counts['same']} unchanged) "
        "[dim]- verified offline, nothing deployed[/]"
    )
    changed = [c for c in result.changes if c.op != "same"]
    if changed:
        styles = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
        table = Table(title="Changes", title_justify="left")
        table.add_column("op")
        table.add_column("type")
        table.add_column("name")
        table.add_column("changed keys", overflow="fold")
        order = {"replace": 0, "delete": 1, "update": 2, "create": 3}
        for c in sorted(changed, key=lambda c: (order[c.op], c.type, c.name)):
            keys = [f"{k} (forces replacement)" if k in c.replace_keys else k for k in c.keys]
            keys += [f"{k} (forces replacement)" for k in c.replace_keys if k not in c.keys]
            table.add_row(Text(c.op, style=styles[c.op]), Text(c.type), Text(c.name), Text(", ".join(keys)))
        console.print(table)
    if not result.findings:
        console.print("[green]no stateful resource would be deleted or replaced[/]")
        return
    # Worded by kind: a protection loss deletes nothing yet, so "N would be lost" would overstate it.
    by_kind = result.finding_counts()
    parts = ", ".join(f"{by_kind[k]} {words}" for k, words in FINDING_KINDS.items() if by_kind.get(k))
    console.print(f"\n[bold red]{len(result.findings)} finding(s) about stateful resources: {parts}[/]")
    for f in result.findings:
        console.print(Text(f"  ✗ {f.op} {f.type} {f.name}: {f.message}", style="red"))
        console.print(Text(f"    → {f.advice}"))


def diff_json(result: DiffResult) -> str:
    """`mlinfra diff --json`: {summary, finding_counts, changes, findings}, keys sorted."""
    return json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"


def print_checks(console: Console, path: Path, result: VerifyResult) -> None:
    """`mlinfra verify`: one row per check (resource, check, result, detail), then the counts."""
    table = Table(title=f"mlinfra verify: {path} against account {result.account} in {result.region}", title_justify="left")
    for col in ("resource", "check", "result", "detail"):
        table.add_column(col)
    style = {PASS: "green", FAIL: "bold red", SKIP: "yellow"}
    for c in result.checks:
        table.add_row(Text(c.resource), Text(c.check), Text(c.result.upper(), style=style[c.result]), Text(c.detail))
    console.print(table)
    n = result.counts()
    console.print(f"{n[PASS]} passed, {n[FAIL]} failed, {n[SKIP]} skipped", markup=False)


def verify_json(result: VerifyResult) -> str:
    """`mlinfra verify --json`: the checks as a list, each in field order."""
    return json.dumps(result.to_json(), indent=2) + "\n"


def print_bootstrap(console: Console, result: BootstrapResult) -> None:
    """`mlinfra bootstrap`: one row per step, what changed, then the two Pulumi commands to run next."""
    table = Table(
        title=f"mlinfra bootstrap: s3://{result.bucket} in {result.region} (account {result.account_id})", title_justify="left"
    )
    for col in ("step", "status", "detail"):
        table.add_column(col)
    colour = {CREATED: "green", UPDATED: "yellow", ALREADY_OK: "dim"}
    for s in result.steps:
        table.add_row(Text(s.step), Text(s.status, style=colour[s.status]), Text(s.detail))
    console.print(table)
    counts = {k: sum(s.status == k for s in result.steps) for k in (CREATED, UPDATED, ALREADY_OK)}
    if result.changed:
        console.print(f"{counts[CREATED]} created, {counts[UPDATED]} updated, {counts[ALREADY_OK]} already ok", markup=False)
    else:
        console.print(f"nothing changed: all {len(result.steps)} steps already ok", markup=False)
    console.print("\nNext, point Pulumi at this backend and create a stack that encrypts secrets with the key:", markup=False)
    console.print(f"  {result.login_command}", markup=False, soft_wrap=True)
    console.print(f"  {result.stack_init_command}", markup=False, soft_wrap=True)


def bootstrap_json(result: BootstrapResult) -> str:
    """`mlinfra bootstrap --json`: the result's fields in order, plus ``changed``."""
    return json.dumps(result.to_json(), indent=2) + "\n"


def team_table(doc: dict[str, Any]) -> Table:
    """`mlinfra team list`: quotas per team and environment, then the GPUs each environment has left.

    ``doc`` is ``mlinfra.team.team_report``'s plain data (the same as the ``--json`` output).
    """
    from stacks.teams import ENVIRONMENTS

    table = Table(title="Teams (quota per environment: GPUs / CPU / memory / pods)", title_justify="left")
    table.add_column("team")
    table.add_column("owners")
    table.add_column("cost center")
    for env in ENVIRONMENTS:
        table.add_column(env, justify="right")
    for name, team in doc["teams"].items():
        cells = []
        for env in ENVIRONMENTS:
            q = team["environments"].get(env)
            cells.append(f"{q['gpu']} / {q['cpu']} / {q['memory']} / {q['pods']}" if q else "-")
        table.add_row(Text(name), Text(", ".join(team["owners"])), Text(team["cost_center"]), *cells)
    table.add_section()
    remaining = []
    for env in ENVIRONMENTS:
        c = doc["gpu_capacity"][env]
        if c["overcommitted_by"]:
            remaining.append(f"[red]over by {c['overcommitted_by']}[/] ({c['gpus']} GPUs)")
        else:
            remaining.append(f"[green]{c['remaining']}[/] of {c['gpus']} GPUs left")
    table.add_row("[bold]capacity[/]", "", "", *remaining)
    return table


def teams_json(doc: dict[str, Any]) -> str:
    """`mlinfra team list --json`: ``team_report``'s data, keys sorted."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def print_schedule(console: Console, schedule: Schedule, awaits: Mapping[str, Await] | None = None) -> None:
    """The estimated `pulumi up` time of a fresh stack and the chain of creates that sets it; with
    ``awaits``, what each step waits for (and until when), then the awaits that cannot finish."""
    parallel = "unbounded, the `pulumi up` default" if schedule.parallel is None else str(schedule.parallel)
    console.print(
        Text.assemble(
            ("Estimated `pulumi up` of an empty stack: ", "bold"),
            (_minutes(schedule.total), "cyan"),
            f" (parallel: {parallel})\nInherent chain (network -> EKS -> system nodes -> EKS add-ons): "
            f"{_minutes(schedule.inherent_chain)}; estimate / inherent chain = {schedule.ratio:.2f}",
        )
    )
    table = Table(title="Critical path (typical creation times: components/catalog/create_times.py)", title_justify="left")
    for column in ("resource", "type"):
        table.add_column(column)
    for column in ("start", "duration", "finish"):
        table.add_column(column, justify="right")
    if awaits is not None:
        table.add_column("awaits (timeout)")
    for slot in schedule.critical_path:
        row: list[Text | str] = [
            Text(slot.name),
            Text(slot.type),
            _minutes(slot.start),
            _minutes(slot.seconds),
            _minutes(slot.finish),
        ]
        if awaits is not None:
            row.append(_await_cell(awaits.get(slot.urn)))
        table.add_row(*row)
    console.print(table)
    if awaits is not None:
        _print_awaits(console, awaits)


def _await_cell(entry: Await | None) -> Text:
    if entry is None:
        return Text("-", style="dim")
    if not entry.awaited:
        return Text(f"not awaited (skipAwait); {entry.condition}", style="dim")
    return Text(f"{entry.condition} ({_minutes(entry.timeout_seconds)})", style="" if entry.finishes else "red")


def _print_awaits(console: Console, awaits: Mapping[str, Await]) -> None:
    """Awaits a first deploy cannot finish (each reason), and prerequisites outside the plan."""
    blocked = [a for a in awaits.values() if not a.finishes]
    console.print(f"Awaits (components/catalog/awaits.py): {len(awaits)}, {len(blocked)} cannot finish on a first deploy")
    if blocked:
        table = Table(title="Awaits that cannot finish on a first deploy", title_justify="left")
        for column in ("resource", "type", "waits for (timeout)", "why it cannot finish"):
            table.add_column(column)
        for a in blocked:
            why = "\n".join(f"{p.code}: {p.message}" for p in a.problems)
            table.add_row(Text(a.name), Text(a.type), Text(f"{a.condition} ({_minutes(a.timeout_seconds)})"), Text(why))
        console.print(table)
    outside = sorted({(o, a.name) for a in awaits.values() for o in a.outside})
    if outside:
        console.print("Prerequisites outside the plan (not created by it; provide them before or after `pulumi up`):")
        for what, name in outside:
            console.print(Text(f"  - {what} (for {name})"))


def print_capacity(console: Console, report: CapacityReport) -> None:
    """Requested vs allocatable per node pool at its maximum size (mlinfra/capacity.py)."""
    table = Table(title="Node pools at maximum size: requested / allocatable", title_justify="left")
    for column in ("pool", "nodes", "CPU (m)", "memory (MiB)", "pods", "DaemonSets per node", "fits"):
        table.add_column(column, justify="left" if column in ("pool", "nodes") else "right")
    for pool in report.pools:
        data = pool.to_json()
        asked, offered, ds = data["requested"], data["allocatable"], data["daemonsets_per_node"]
        table.add_row(
            Text(pool.pool.name),
            Text(f"{pool.pool.max_size} x {pool.pool.instance_type}"),
            f"{asked['cpu_millicores']:,} / {offered['cpu_millicores']:,}",
            f"{asked['memory_mib']:,} / {offered['memory_mib']:,}",
            f"{asked['pods']} / {offered['pods']}",
            f"{ds['cpu_millicores']}m, {ds['memory_mib']}Mi",
            Text("yes", style="green") if pool.fits else Text("NO", style="bold red"),
        )
    console.print(table)
    for name in report.unrequested:
        console.print(Text(f"  no CPU/memory requests: {name} (counted as zero)", style="yellow"))
