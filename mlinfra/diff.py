"""`mlinfra diff`: what a change would create, update, replace or delete, and which of it loses data.

Two inputs are understood:

- two plan files written by `mlinfra plan --json` (every step ``op: create``): the change is
  computed per URN from ``newState`` (inputs, ``protect``, ``retainOnDelete``), and an update
  that touches a replacement-forcing property of a stateful type is reported as a replacement;
- one real `pulumi preview --json` file (``--head`` alone): each step's ``op`` and its
  ``replaceReasons`` / ``diffReasons`` are used as the engine reported them.

Offline plans carry ``"mlinfra": {"kind": "offline-plan", "stack": ...}`` (real previews do
not): an offline plan given as ``--head`` alone, or two offline plans of different stacks, is
refused with a ``DiffError`` instead of being read as "everything is created".

A stateful resource (components/catalog/stateful.py) that would be deleted or replaced is a finding.
Only input key names are ever reported, never values, so secrets stay "[secret]".
This module only computes: ``diff_files`` returns a ``DiffResult`` or raises ``DiffError``
(the files are read and checked by mlinfra/diff_input.py); mlinfra/report.py renders the
result and mlinfra/cli.py chooses the exit code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components.catalog.stateful import STATEFUL_TYPES
from mlinfra.diff_input import Change, DiffError, State, offline_plan_stack, plan_states, preview_changes, read_doc, urn_stack

KINDS = ("create", "update", "replace", "delete", "same")
_TAG_KEYS = ("tags", "tagsAll")
_MISSING = object()

FINDING_KINDS: dict[str, str] = {
    "loss": "deleted or replaced",
    "rename": "renamed",
    "protection": "losing protection",
}
"""Finding kind -> how the summary line words it."""


@dataclass(frozen=True)
class Finding:
    urn: str
    type: str
    name: str
    op: str
    message: str
    advice: str
    kind: str = "loss"
    """``loss`` (deleted or replaced), ``rename`` (deleted, looks renamed) or ``protection``
    (loses ``protect``/``retainOnDelete``, nothing deleted yet); see ``FINDING_KINDS``."""


@dataclass
class DiffResult:
    changes: list[Change]
    findings: list[Finding]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            counts[change.op] += 1
        return counts

    def finding_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FINDING_KINDS, 0)
        for finding in self.findings:
            counts[finding.kind] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "finding_counts": self.finding_counts(),
            "changes": [asdict(c) for c in self.changes if c.op != "same"],
            "findings": [asdict(f) for f in self.findings],
        }


# --- comparing -----------------------------------------------------------------------------


def _at(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def replacing_keys(type_: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """The replacement-forcing properties of ``type_`` whose value differs."""
    stateful = STATEFUL_TYPES.get(type_)
    return tuple(p for p in (stateful.replace_on_change if stateful else ()) if _at(old, p) != _at(new, p))


def _changed_keys(old: State, new: State) -> tuple[str, ...]:
    keys = sorted(k for k in set(old.inputs) | set(new.inputs) if old.inputs.get(k, _MISSING) != new.inputs.get(k, _MISSING))
    if old.protect != new.protect:
        keys.append("protect")
    if old.retain_on_delete != new.retain_on_delete:
        keys.append("retainOnDelete")
    return tuple(keys)


def compare_plans(base: Mapping[str, State], head: Mapping[str, State]) -> list[Change]:
    changes = []
    for urn in sorted(set(base) | set(head)):
        old, new = base.get(urn), head.get(urn)
        if old is None:
            assert new is not None
            changes.append(Change("create", urn, new.type, new.name))
        elif new is None:
            changes.append(Change("delete", urn, old.type, old.name, protect=old.protect, retain_on_delete=old.retain_on_delete))
        else:
            keys = _changed_keys(old, new)
            forcing = replacing_keys(old.type, old.inputs, new.inputs)
            op = "replace" if forcing else "update" if keys else "same"
            changes.append(Change(op, urn, old.type, old.name, keys, forcing, old.protect, old.retain_on_delete))
    return changes


# --- findings ------------------------------------------------------------------------------


def _similarity(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Share of equal top-level inputs; tags carry the resource name, so they count only if alone.

    A rename needs more than half of them equal: two buckets that differ only in ``bucket``
    (their physical name) are different buckets, not one renamed.
    """
    keys = (set(a) | set(b)) - set(_TAG_KEYS) or set(a) | set(b)
    if not keys:
        return 1.0
    return sum(a.get(k, _MISSING) == b.get(k, _MISSING) for k in keys) / len(keys)


def _renames(changes: Sequence[Change], base: Mapping[str, State], head: Mapping[str, State]) -> dict[str, tuple[State, State]]:
    """Deleted stateful URN -> (its old state, the created resource of the same type that looks like it, renamed)."""
    created = [head[c.urn] for c in changes if c.op == "create" and c.type in STATEFUL_TYPES and c.urn in head]
    found: dict[str, tuple[State, State]] = {}
    for change in changes:
        if change.op != "delete" or change.type not in STATEFUL_TYPES or change.urn not in base:
            continue
        old = base[change.urn]
        scored = [(_similarity(old.inputs, new.inputs), new.urn, new) for new in created if new.type == old.type]
        scored = [s for s in scored if s[0] > 0.5 and s[2].urn not in {n.urn for _, n in found.values()}]
        if scored:
            found[change.urn] = (old, max(scored, key=lambda s: (s[0], s[1]))[2])
    return found


def _alias(old: State, new: State) -> str:
    if old.parent and old.parent != new.parent:
        return f'aliases=[pulumi.Alias(name="{old.name}", parent=<the resource with URN {old.parent}>)]'
    return f'aliases=[pulumi.Alias(name="{old.name}")]'


def findings_for(
    changes: Sequence[Change], base: Mapping[str, State] | None = None, head: Mapping[str, State] | None = None
) -> list[Finding]:
    """A finding per stateful resource that would be deleted or replaced."""
    renames = _renames(changes, base, head) if base is not None and head is not None else {}
    out = []
    for c in changes:
        if c.type in STATEFUL_TYPES and c.op == "update":
            lost = [
                k for k in ("protect", "retainOnDelete") if k in c.keys and (c.protect if k == "protect" else c.retain_on_delete)
            ]
            if lost:
                # Not a loss yet, but the next change could delete it without a guard: a reviewer should see it.
                what = STATEFUL_TYPES[c.type].what
                out.append(
                    Finding(
                        c.urn,
                        c.type,
                        c.name,
                        c.op,
                        f"{what} '{c.name}' would lose {' and '.join(f'`{k}`' for k in lost)}: "
                        "a later change could then delete it and its data.",
                        "keep it protected and retained; unprotect only in a reviewed change that also says why",
                        kind="protection",
                    )
                )
            continue
        if c.type not in STATEFUL_TYPES or c.op not in ("delete", "replace"):
            continue
        what = STATEFUL_TYPES[c.type].what
        kind = "loss"
        refuse = " It is protected, so the real engine will refuse it and `pulumi up` fails." if c.protect else ""
        if c.urn in renames:
            old, new = renames[c.urn]
            message = f"{what} '{c.name}' would be deleted and '{new.name}' created in its place: it looks renamed.{refuse}"
            advice = f"add `{_alias(old, new)}` to the options of '{new.name}' to keep the resource (old URN {c.urn})"
            kind = "rename"
        elif c.op == "replace":
            reasons = ", ".join(f"`{k}`" for k in c.replace_keys) or "the engine's replaceReasons"
            message = (
                f"{what} '{c.name}' would be replaced (changing {reasons} forces a new resource): the old one is deleted.{refuse}"
            )
            advice = f"keep {reasons} unchanged, or create the new resource beside the old one and migrate the data explicitly"
        elif c.protect:
            message = f"{what} '{c.name}' would be deleted, but it is protected: the real engine will refuse to delete it and `pulumi up` fails."
            advice = "if it moved or was renamed, add `aliases=[...]` with its old name/parent; to really remove it, unprotect it in a reviewed change first"
        elif c.retain_on_delete:
            message = f"{what} '{c.name}' would leave the stack: it is retained in AWS but no longer managed (an orphan)."
            advice = "if it moved or was renamed, add `aliases=[...]` with its old name/parent; otherwise `pulumi import` it back or delete it by hand"
        else:
            message = f"{what} '{c.name}' would be deleted: its data is lost."
            advice = "if it moved or was renamed, add `aliases=[...]` with its old name/parent; prod stacks should protect and retain it"
        out.append(Finding(c.urn, c.type, c.name, c.op, message, advice, kind))
    return out


def diff_files(base_path: Path | None, head_path: Path) -> DiffResult:
    """Compare two plan files, or read one real preview when ``base_path`` is None."""
    head_doc = read_doc(head_path)
    head_stack = offline_plan_stack(head_doc)
    if base_path is None:
        if head_stack is not None:
            raise DiffError(
                f"{head_path}: this is an offline plan (`mlinfra plan --json`, stack {head_stack!r}), not a real "
                "`pulumi preview --json`; pass `--base <plan of the base branch>` too to compare the two plans"
            )
        changes = preview_changes(head_path, head_doc["steps"])
        return DiffResult(changes, findings_for(changes))
    base_doc = read_doc(base_path)
    # The marker's stack, else the stack the URNs name: a plan without the marker (hand-made, or
    # from an older mlinfra) is still compared with a plan of its own stack only.
    base_stack = offline_plan_stack(base_doc) or urn_stack(base_doc)
    head_stack = head_stack or urn_stack(head_doc)
    if base_stack is not None and head_stack is not None and base_stack != head_stack:
        raise DiffError(
            f"{base_path} is an offline plan of stack {base_stack!r} but {head_path} is one of stack "
            f"{head_stack!r}: compare plans of the same stack (`mlinfra plan --stack {head_stack} --json` on both branches)"
        )
    base, head = plan_states(base_path, base_doc["steps"]), plan_states(head_path, head_doc["steps"])
    changes = compare_plans(base, head)
    return DiffResult(changes, findings_for(changes, base, head))
