"""The `mlinfra review` pull-request comment: Markdown from templates/review/comment.md.j2.

Top: the hidden marker CI searches for to update its one comment (``MARKER``), then one
summary line per stack. Then every stateful risk, outside any collapsed block, and last the
details of each stack in a ``<details>`` block. GitHub refuses a comment body over 65,536
characters, so when the comment is longer the details are trimmed (fewer rows, then none),
with a note saying so; the summary lines and the stateful risks are never trimmed (only if
the risks alone would not fit are they shortened to one line each, and said so).

All user text (resource names and types, messages, values) goes through ``md()`` before it reaches
the template (rendered by components/render.py like every template): a name
with ``|`` must not break a table, a backtick must not open code, ``<`` must not open HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.render import render_text
from mlinfra.diff import FINDING_KINDS
from mlinfra.review import InputChange, ReviewResult, StackReview

MARKER = "<!-- mlinfra-review -->"
GITHUB_COMMENT_LIMIT = 65_536
MAX_CHARS = 65_000
"""What the comment is kept under: GitHub's limit with room for what CI may add."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: Any) -> str:
    """``value`` as inert Markdown text for a table cell or a line (one line, nothing active)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # "@name" would notify that user or team when the comment is posted: a zero-width space after
    # the "@" breaks GitHub's mention (an escape or an entity does not: mentions are found in the
    # rendered text), and the reader still sees "@name".
    text = text.replace("@", "@\u200b")
    return _MD_SPECIAL.sub(r"\\\1", text)


# --- summary figures (shared with the table renderer) --------------------------------------------


def dollars(delta: float) -> str:
    value = round(delta)
    sign = "+" if value > 0 else "-" if value < 0 else "±"
    return f"{sign}${abs(value):,}"


def cost_delta(s: StackReview) -> str:
    low, high = s.head.monthly_min - s.base.monthly_min, s.head.monthly_max - s.base.monthly_max
    return f"{dollars(low)}/mo" if round(low) == round(high) else f"{dollars(low)}..{dollars(high)}/mo"


def gpu_delta(s: StackReview) -> str:
    delta = s.head.gpus_max - s.base.gpus_max
    return f"GPUs {'+' if delta > 0 else '-' if delta < 0 else '±'}{abs(delta)}"


def policy_text(s: StackReview) -> str:
    new, fixed = len(s.new_violations), len(s.fixed_violations)
    if not new and not fixed:
        return "policy ok" if not s.head_mandatory else f"policy: {s.head_mandatory} mandatory (none new)"
    parts = []
    if new:
        parts.append(f"{new} new ({len(s.new_mandatory)} mandatory)")
    if fixed:
        parts.append(f"{fixed} fixed")
    return "policy: " + ", ".join(parts)


def counts_text(s: StackReview) -> str:
    c = s.counts
    return f"+{c['create']} ~{c['update']} -{c['delete']} ±{c['replace']}"


def risk_text(s: StackReview) -> str:
    return f"{len(s.risks)} stateful resource(s) at risk" if s.risks else "no data at risk"


def summary_line(s: StackReview) -> str:
    """``prod: +12 ~3 -0 ±0 · policy ok · +$1,240/mo · GPUs +8 · no data at risk``"""
    return " · ".join([f"{s.stack}: {counts_text(s)}", policy_text(s), cost_delta(s), gpu_delta(s), risk_text(s)])


# --- the comment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Caps:
    rows: int | None
    """Changed resources (and violations) shown per stack; None = all, 0 = details left out."""
    paths: int | None
    """Changed input paths shown per resource."""
    compact_risks: bool = False
    max_risks: int | None = None


# Tried in order until the comment fits.
_LEVELS = (
    _Caps(None, None),
    _Caps(300, 10),
    _Caps(150, 5),
    _Caps(60, 3),
    _Caps(20, 1),
    _Caps(0, 0),
    _Caps(0, 0, compact_risks=True),
)


def input_text(change: InputChange) -> str:
    if change.secret:
        return f"{change.path}: (secret, changed)"
    old = "(absent)" if change.old is None else change.old
    new = "(absent)" if change.new is None else change.new
    return f"{change.path}: {old} → {new}"


def _stack_context(s: StackReview, caps: _Caps) -> dict[str, Any]:
    rows = list(s.changes) if caps.rows is None else list(s.changes[: caps.rows])
    changes = []
    for c in rows:
        inputs = c.inputs if caps.paths is None else c.inputs[: caps.paths]
        changes.append(
            {
                "op": c.op,
                "type": md(c.type),
                "name": md(c.name),
                "inputs": [md(input_text(i)) for i in inputs],
                "more_inputs": len(c.inputs) - len(inputs),
            }
        )
    violations = [("new", v) for v in s.new_violations] + [("fixed", v) for v in s.fixed_violations]
    shown = violations if caps.rows is None else violations[: caps.rows]
    risks = list(s.risks) if caps.max_risks is None else list(s.risks[: caps.max_risks])
    return {
        "name": s.stack,
        "summary": summary_line(s),
        "counts": s.counts,
        "risks": [
            {
                "kind": FINDING_KINDS[r.kind],
                "type": md(r.type),
                "name": md(r.name),
                "message": md(r.message),
                "advice": md(r.advice),
            }
            for r in risks
        ],
        "more_risks": len(s.risks) - len(risks),
        "details": caps.rows != 0,
        "changes": changes,
        "more_changes": len(s.changes) - len(rows),
        "violations": [
            {
                "state": state,
                "policy": md(v.policy),
                "level": md(v.level),
                "name": md(v.name or "(stack)"),
                "message": md(v.message),
            }
            for state, v in shown
        ],
        "more_violations": len(violations) - len(shown),
        "cost": {"base": s.base, "head": s.head, "delta": cost_delta(s)},
        "gpus": {"base": s.base.gpus_max, "head": s.head.gpus_max, "delta": gpu_delta(s)},
    }


def _render(result: ReviewResult, caps: _Caps, trimmed: bool) -> str:
    # User text is escaped here (md), so the one shared renderer (StrictUndefined) renders it as is.
    return render_text(
        "review/comment.md.j2",
        marker=MARKER,
        # A ref in a code span reads as typed (`HEAD~1`); md() only if it holds a backtick.
        base_ref=f"`{result.base_ref}`" if "`" not in result.base_ref else md(result.base_ref),
        base_commit=result.base_commit[:12],
        stacks=[_stack_context(s, caps) for s in result.stacks],
        trimmed=trimmed,
        compact_risks=caps.compact_risks,
        notes=[md(n) for n in result.notes],
        limit=f"{GITHUB_COMMENT_LIMIT:,}",
    )


def render_markdown(result: ReviewResult, *, max_chars: int = MAX_CHARS, levels: Sequence[_Caps] = _LEVELS) -> str:
    """The comment, at the first level of detail that fits in ``max_chars``."""
    for i, caps in enumerate(levels):
        text = _render(result, caps, trimmed=i > 0)
        if len(text) <= max_chars:
            return text
    # Only the risks themselves are still too long (thousands of them): keep as many as fit, and say so.
    most = max(len(s.risks) for s in result.stacks)
    while most > 0:
        most //= 2
        text = _render(result, _Caps(0, 0, compact_risks=True, max_risks=most), trimmed=True)
        if len(text) <= max_chars:
            return text
    return text
