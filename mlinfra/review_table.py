"""`mlinfra review --format table`: the same review as the comment, as rich tables for a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlinfra.review import ReviewResult
from mlinfra.review_markdown import input_text, summary_line

_STYLES = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}


def print_review(console: Console, result: ReviewResult) -> None:
    """Summary lines first, then per stack: stateful risks, policy changes, cost and GPUs, changes."""
    console.print(
        Text.assemble(
            ("mlinfra review", "bold"),
            f" base {result.base_ref} ({result.base_commit[:12]}) against the working tree ",
            ("- offline plans, nothing deployed", "dim"),
        )
    )
    for s in result.stacks:
        console.print(Text(summary_line(s), style="bold red" if s.risks else ""))
    for note in result.notes:
        console.print(Text(note, style="yellow"))
    for s in result.stacks:
        console.print(Text(f"\n{s.stack}", style="bold cyan"))
        for f in s.risks:
            console.print(Text(f"  STATEFUL RISK {f.op} {f.type} {f.name}: {f.message}", style="bold red"))
            console.print(Text(f"    → {f.advice}"))
        if s.new_violations or s.fixed_violations:
            table = Table(title="Policy violations new / fixed in this change", title_justify="left")
            for column in ("", "policy", "level", "resource", "message"):
                table.add_column(column, overflow="fold")
            for state, violations in (("new", s.new_violations), ("fixed", s.fixed_violations)):
                for v in violations:
                    table.add_row(state, Text(v.policy), Text(v.level), Text(v.name or "(stack)"), Text(v.message))
            console.print(table)
        console.print(
            Text(
                f"  cost USD/month: min {s.base.monthly_min:,.0f} → {s.head.monthly_min:,.0f}, "
                f"max {s.base.monthly_max:,.0f} → {s.head.monthly_max:,.0f}; GPUs at max {s.base.gpus_max} → {s.head.gpus_max}"
            )
        )
        if s.changes:
            table = Table(title="Changes", title_justify="left")
            for column in ("op", "type", "name", "changed inputs"):
                table.add_column(column, overflow="fold")
            for c in s.changes:
                table.add_row(
                    Text(c.op, style=_STYLES.get(c.op, "")),
                    Text(c.type),
                    Text(c.name),
                    Text("\n".join(input_text(i) for i in c.inputs)),
                )
            console.print(table)
