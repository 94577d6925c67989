"""What the offline engine returns: every planned resource, the stack outputs, the JSON shape.

Pure data, no Pulumi import: policies, cost, schedule, diff and the reports read a Plan; only
the engine (mlinfra/engine.py) makes one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROJECT = "mlinfra"


@dataclass(frozen=True)
class Secret:
    """A secret input value: visible to policies, printed as "[secret]" everywhere else."""

    value: Any


@dataclass(frozen=True)
class PlannedResource:
    """One registration, as the real engine would record it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False

    def plain_inputs(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (what a policy sees)."""
        return unwrap_secrets(self.inputs)

    def to_state(self) -> dict[str, Any]:
        """The ``newState`` object of a `pulumi preview --json` step."""
        state: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "custom": self.custom,
            "inputs": redact_secrets(self.inputs),
            "parent": self.parent,
            "dependencies": sorted(self.dependencies),
            "propertyDependencies": {k: sorted(v) for k, v in sorted(self.property_dependencies.items())},
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
        }
        if self.provider:
            state["provider"] = self.provider
        return state


@dataclass
class Plan:
    """Every resource the program registers, sorted by URN, plus the stack outputs."""

    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    diagnostics: list[dict[str, str]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    """Sections other tools add to the JSON (``cost``, ``policy``...)."""

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{self.stack}"

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def get(self, type_: str, name: str) -> PlannedResource:
        for r in self.resources:
            if r.type == type_ and r.name == name:
                return r
        raise KeyError(f"no {type_} named {name!r} in the plan of stack {self.stack}")

    def by_urn(self, urn: str) -> PlannedResource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def ancestors(self, resource: PlannedResource) -> list[PlannedResource]:
        chain, parent = [], self.by_urn(resource.parent)
        while parent is not None:
            chain.append(parent)
            parent = self.by_urn(parent.parent)
        return chain

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))

    def to_preview_json(self) -> dict[str, Any]:
        """The plan in the shape of `pulumi preview --json`, deterministic byte for byte."""
        steps = [{"op": "create", "urn": r.urn, "newState": r.to_state()} for r in self.resources]
        doc: dict[str, Any] = {
            "steps": steps,
            "changeSummary": {"create": len(steps)},
            "diagnostics": self.diagnostics,
            "outputs": redact_secrets(self.outputs),
            # Tells tools (mlinfra diff) this is an offline plan, not a real preview.
            "mlinfra": {"kind": "offline-plan", "stack": self.stack},
        }
        doc.update(self.extras)
        return doc

    def dumps(self) -> str:
        return json.dumps(self.to_preview_json(), indent=2, sort_keys=True) + "\n"


def unwrap_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return unwrap_secrets(value.value)
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def redact_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return "[secret]"
    if isinstance(value, dict):
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v) for v in value]
    return value
