"""`mlinfra review`: what a change does to each stack, compared plan against plan.

This module only computes. ``review_stack`` takes the two plan documents of one stack (the
base ref's and the working tree's, each written by `mlinfra plan --json` with that tree's own
code, see mlinfra/review_run.py) and returns a ``StackReview``: counts by kind, the changed
resources with their changed input paths, the stateful risks (mlinfra/diff.py's findings:
deletes, replacements, renames without an alias, lost protection), the policy violations new
and fixed in head, and the cost and GPU-capacity deltas. Rendering is in
mlinfra/review_markdown.py and mlinfra/review_table.py; the exit code in mlinfra/review_cli.py.

Secrets: plan files already hold ``"[secret]"`` in place of every secret value; a changed path
whose old or new value holds one is reported without values, so no secret is ever printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from components.catalog import cost
from mlinfra.diff import KINDS, Finding, compare_plans, findings_for
from mlinfra.diff_input import State, plan_states

SECRET = "[secret]"
_MISSING = object()
_VALUE_CHARS = 80
"""Longer values are cut (a policy document as one JSON line helps no reviewer)."""


class ReviewError(Exception):
    """Bad input (not a git repository, unknown ref, bad stack, a plan that fails); one line, exit 2."""


@dataclass(frozen=True)
class InputChange:
    """One changed input path of a resource, e.g. ``scalingConfig.maxSize``."""

    path: str
    old: str | None
    """The old value as compact JSON, None if absent (or secret)."""
    new: str | None
    secret: bool = False
    """Either side holds a secret: no value is reported."""


@dataclass(frozen=True)
class ResourceChange:
    op: str
    """create, update, replace or delete."""
    type: str
    name: str
    urn: str
    inputs: tuple[InputChange, ...] = ()
    replace_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViolationRef:
    """A policy violation as the plan JSON records it."""

    policy: str
    level: str
    message: str
    type: str = ""
    name: str = ""
    urn: str = ""


@dataclass(frozen=True)
class Money:
    monthly_min: float
    monthly_max: float
    gpus_min: int
    gpus_max: int


@dataclass(frozen=True)
class StackReview:
    stack: str
    counts: Mapping[str, int]
    changes: tuple[ResourceChange, ...]
    risks: tuple[Finding, ...]
    """Stateful risks: delete/replace of a stateful type, a rename without alias, lost protection."""
    new_violations: tuple[ViolationRef, ...]
    fixed_violations: tuple[ViolationRef, ...]
    head_mandatory: int
    """Mandatory violations in head (new or not)."""
    base: Money
    head: Money

    @property
    def new_mandatory(self) -> tuple[ViolationRef, ...]:
        return tuple(v for v in self.new_violations if v.level == "mandatory")

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "counts": dict(self.counts),
            "statefulRisks": [asdict(f) for f in self.risks],
            "policy": {
                "new": [asdict(v) for v in self.new_violations],
                "fixed": [asdict(v) for v in self.fixed_violations],
                "headMandatory": self.head_mandatory,
            },
            "cost": {
                "base": {"monthlyMin": self.base.monthly_min, "monthlyMax": self.base.monthly_max},
                "head": {"monthlyMin": self.head.monthly_min, "monthlyMax": self.head.monthly_max},
                "deltaMin": round(self.head.monthly_min - self.base.monthly_min, 2),
                "deltaMax": round(self.head.monthly_max - self.base.monthly_max, 2),
            },
            "gpus": {"base": self.base.gpus_max, "head": self.head.gpus_max, "delta": self.head.gpus_max - self.base.gpus_max},
            "changes": [asdict(c) for c in self.changes],
        }


@dataclass(frozen=True)
class ReviewResult:
    base_ref: str
    """The ref as given, e.g. ``origin/main``."""
    base_commit: str
    stacks: tuple[StackReview, ...]
    notes: tuple[str, ...] = field(default=())

    def exit_code(self, *, allow_stateful: bool = False) -> int:
        """1 on a stateful risk (unless allowed) or a new mandatory violation, else 0."""
        risky = any(s.risks for s in self.stacks) and not allow_stateful
        return 1 if risky or any(s.new_mandatory for s in self.stacks) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "baseRef": self.base_ref,
            "baseCommit": self.base_commit,
            "stacks": [s.to_json() for s in self.stacks],
            "notes": list(self.notes),
        }


# --- changed input paths --------------------------------------------------------------------


def _has_secret(value: Any) -> bool:
    if value == SECRET:
        return True
    if isinstance(value, Mapping):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _show(value: Any) -> str | None:
    if value is _MISSING:
        return None
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


def _leaf(path: str, old: Any, new: Any) -> InputChange:
    if _has_secret(old) or _has_secret(new):
        return InputChange(path, None, None, secret=True)
    return InputChange(path, _show(old), _show(new))


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[InputChange]:
    """Every differing leaf (``a.b``, ``a[2].c``); lists of different length count as one leaf."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[InputChange] = []
        for key in sorted(set(old) | set(new)):
            out += changed_paths(old.get(key, _MISSING), new.get(key, _MISSING), f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in changed_paths(a, b, f"{prefix}[{i}]")]
    return [_leaf(prefix, old, new)]


def _resource_change(
    op: str, urn: str, type_: str, name: str, old: State | None, new: State | None, forcing: tuple[str, ...]
) -> ResourceChange:
    inputs: list[InputChange] = []
    if old is not None and new is not None:
        inputs = changed_paths(dict(old.inputs), dict(new.inputs))
        for key, a, b in (("protect", old.protect, new.protect), ("retainOnDelete", old.retain_on_delete, new.retain_on_delete)):
            if a != b:
                inputs.append(InputChange(key, _show(a), _show(b)))
    return ResourceChange(op, type_, name, urn, tuple(inputs), forcing)


# --- policy, cost, GPUs ------------------------------------------------------------------------


def _violations(doc: Mapping[str, Any]) -> list[ViolationRef]:
    section = doc.get("policy")
    raw = section.get("violations", []) if isinstance(section, Mapping) else []
    return [
        ViolationRef(
            str(v.get("policy", "")),
            str(v.get("enforcementLevel", "")),
            str(v.get("message", "")),
            str(v.get("type", "")),
            str(v.get("name", "")),
            str(v.get("urn", "")),
        )
        for v in raw
        if isinstance(v, Mapping)
    ]


def _key(v: ViolationRef) -> tuple[str, str, str]:
    # The level is left out: a violation that only moved from advisory to mandatory is not new.
    return (v.policy, v.urn, v.message)


def _money(doc: Mapping[str, Any], states: Mapping[str, State]) -> Money:
    """The plan's own ``cost`` section (computed with that ref's catalog), else estimated here."""
    section = doc.get("cost")
    if isinstance(section, Mapping) and {"monthlyMin", "monthlyMax", "gpusMin", "gpusMax"} <= set(section):
        return Money(float(section["monthlyMin"]), float(section["monthlyMax"]), int(section["gpusMin"]), int(section["gpusMax"]))
    region = (doc.get("outputs") or {}).get("region")
    if not isinstance(region, str):
        return Money(0.0, 0.0, 0, 0)
    estimate = cost.estimate(((s.type, s.name, s.inputs) for s in states.values()), region)
    return Money(estimate.monthly_min, estimate.monthly_max, estimate.gpus_min, estimate.gpus_max)


# --- one stack ---------------------------------------------------------------------------------


def review_stack(
    stack: str, base_doc: Mapping[str, Any], head_doc: Mapping[str, Any], *, base_path: Path, head_path: Path
) -> StackReview:
    """Compare the base and head plan documents of ``stack``."""
    base, head = plan_states(base_path, base_doc["steps"]), plan_states(head_path, head_doc["steps"])
    changes = compare_plans(base, head)
    counts = dict.fromkeys(KINDS, 0)
    for c in changes:
        counts[c.op] += 1
    # What loses data first, then updates, then creates; by type and name within each.
    order = {"replace": 0, "delete": 1, "update": 2, "create": 3}
    resource_changes = tuple(
        _resource_change(c.op, c.urn, c.type, c.name, base.get(c.urn), head.get(c.urn), c.replace_keys)
        for c in sorted(changes, key=lambda c: (order.get(c.op, 4), c.type, c.name, c.urn))
        if c.op != "same"
    )
    base_v, head_v = _violations(base_doc), _violations(head_doc)
    base_keys, head_keys = {_key(v) for v in base_v}, {_key(v) for v in head_v}
    return StackReview(
        stack=stack,
        counts=counts,
        changes=resource_changes,
        risks=tuple(findings_for(changes, base, head)),
        new_violations=tuple(v for v in head_v if _key(v) not in base_keys),
        fixed_violations=tuple(v for v in base_v if _key(v) not in head_keys),
        head_mandatory=sum(v.level == "mandatory" for v in head_v),
        base=_money(base_doc, base),
        head=_money(head_doc, head),
    )
