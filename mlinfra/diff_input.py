"""Reading the inputs of `mlinfra diff`: offline plans and real `pulumi preview --json` files.

Both are JSON objects with a ``steps`` list; every step is checked (an object, a known
``op``, a Pulumi URN) before anything is compared, and every problem is a ``DiffError``
whose message names the file and the step. Offline plans carry
``"mlinfra": {"kind": "offline-plan", "stack": ...}`` (``offline_plan_stack``); real previews
do not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# `pulumi preview --json` step ops, folded into the five kinds this tool reports.
_OPS: dict[str, str] = {
    "same": "same",
    "read": "same",
    "refresh": "same",
    "remove-pending-replace": "same",
    "create": "create",
    "import": "create",
    "update": "update",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "read-replacement": "replace",
    "import-replacement": "replace",
    "discard-replaced": "replace",
    "delete": "delete",
    "discard": "delete",
}
# A replacement spans several steps of one URN; the strongest op names the change.
_RANK = {"same": 0, "create": 1, "update": 2, "delete": 3, "replace": 4}


class DiffError(Exception):
    """An input file is missing, unreadable or not a plan/preview; the message names the file."""


@dataclass(frozen=True)
class State:
    """One resource as a step records it: a plan's ``newState``, a preview's ``oldState``/``newState``."""

    urn: str
    type: str
    name: str
    parent: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False


@dataclass(frozen=True)
class Change:
    """What would happen to one URN (read from a preview, or computed by mlinfra/diff.py)."""

    op: str
    """create, update, replace, delete or same."""
    urn: str
    type: str
    name: str
    keys: tuple[str, ...] = ()
    """Changed top-level input keys (and ``protect``/``retainOnDelete``), or the engine's diffReasons."""
    replace_keys: tuple[str, ...] = ()
    """The properties that force the replacement."""
    protect: bool = False
    """The existing resource is protected."""
    retain_on_delete: bool = False


def _split_urn(urn: str) -> tuple[str, str]:
    """(type, name) from ``urn:pulumi:stack::project::parent$type::name``."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not urn.startswith("urn:pulumi:"):
        raise ValueError(f"not a Pulumi URN: {urn!r}")
    return parts[2].split("$")[-1], parts[3]


def _state(path: Path, where: str, raw: Any, urn: str) -> State:
    if not isinstance(raw, dict):
        raise DiffError(f"{path}: {where} must be an object, got {type(raw).__name__}")
    type_, name = _split_urn(urn)
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict):
        raise DiffError(f"{path}: {where}.inputs must be an object")
    return State(
        urn=urn,
        type=str(raw.get("type") or type_),
        name=name,
        parent=str(raw.get("parent") or ""),
        inputs=inputs,
        protect=_flag(path, f"{where}.protect", raw.get("protect", False)),
        retain_on_delete=_flag(path, f"{where}.retainOnDelete", raw.get("retainOnDelete", False)),
    )


def _flag(path: Path, where: str, value: Any) -> bool:
    # bool("false") is True: a string would silently read as protected, the unsafe direction.
    if not isinstance(value, bool):
        raise DiffError(f"{path}: {where} must be true or false (a JSON boolean), got {value!r}")
    return value


def read_doc(path: Path) -> dict[str, Any]:
    """A plan / preview JSON file, its ``steps`` each checked to have an ``op`` and a URN."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DiffError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DiffError(f"{path}: not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise DiffError(f"{path}: not a plan: JSON nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise DiffError(f"{path}: expected an object with a 'steps' list (`mlinfra plan --json` or `pulumi preview --json`)")
    for i, step in enumerate(doc["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str):
            raise DiffError(f"{path}: steps[{i}] must be an object with string 'op' and 'urn'")
        try:
            _split_urn(step["urn"])
        except ValueError as exc:
            raise DiffError(f"{path}: steps[{i}]: {exc}") from None
        if step["op"] not in _OPS:
            raise DiffError(f"{path}: steps[{i}]: unknown op {step['op']!r}; known: {', '.join(sorted(_OPS))}")
    return doc


def urn_stack(doc: Mapping[str, Any]) -> str | None:
    """The stack the steps' URNs name (``urn:pulumi:<stack>::...``), None if there are no steps."""
    for step in doc.get("steps") or []:
        urn = step.get("urn", "") if isinstance(step, dict) else ""
        if isinstance(urn, str) and urn.startswith("urn:pulumi:") and "::" in urn:
            return urn[len("urn:pulumi:") :].split("::", 1)[0]
    return None


def offline_plan_stack(doc: Mapping[str, Any]) -> str | None:
    """The stack of an offline plan (``"mlinfra": {"kind": "offline-plan"}``), None for a real preview."""
    marker = doc.get("mlinfra")
    if isinstance(marker, Mapping) and marker.get("kind") == "offline-plan":
        return str(marker.get("stack") or "")
    return None


def plan_states(path: Path, steps: Sequence[dict[str, Any]]) -> dict[str, State]:
    """The desired state of every resource in an offline plan's steps, keyed by URN."""
    states: dict[str, State] = {}
    for i, step in enumerate(steps):
        if "newState" not in step:
            raise DiffError(f"{path}: steps[{i}] has no newState: not a plan written by `mlinfra plan --json`")
        states[step["urn"]] = _state(path, f"steps[{i}].newState", step["newState"], step["urn"])
    return states


def _strings(value: Any) -> list[str]:
    """The text entries of a list of reasons; anything else (a hand-edited ``true``) reads as none."""
    return [r for r in value if isinstance(r, str)] if isinstance(value, list) else []


def preview_changes(path: Path, steps: Sequence[dict[str, Any]]) -> list[Change]:
    """One change per URN from a real `pulumi preview --json` (a replacement spans several steps)."""
    by_urn: dict[str, Change] = {}
    for i, step in enumerate(steps):
        urn, op = step["urn"], _OPS[step["op"]]
        raw_old, raw_new = step.get("oldState"), step.get("newState")
        old = _state(path, f"steps[{i}].oldState", raw_old, urn) if raw_old is not None else None
        new = _state(path, f"steps[{i}].newState", raw_new, urn) if raw_new is not None else None
        state = old or new or _state(path, f"steps[{i}]", {}, urn)
        reasons, diffs = _strings(step.get("replaceReasons")), _strings(step.get("diffReasons"))
        change = Change(
            op,
            urn,
            state.type,
            state.name,
            tuple(sorted(set(diffs) | set(reasons))),
            tuple(sorted(set(reasons))),
            bool(old and old.protect),
            bool(old and old.retain_on_delete),
        )
        previous = by_urn.get(urn)
        if previous is None or _RANK[op] > _RANK[previous.op]:
            by_urn[urn] = change
        elif _RANK[op] == _RANK[previous.op]:  # merge what the steps of one replacement say
            by_urn[urn] = Change(
                previous.op,
                urn,
                previous.type,
                previous.name,
                tuple(sorted(set(previous.keys) | set(change.keys))),
                tuple(sorted(set(previous.replace_keys) | set(change.replace_keys))),
                previous.protect or change.protect,
                previous.retain_on_delete or change.retain_on_delete,
            )
    return [by_urn[u] for u in sorted(by_urn)]
