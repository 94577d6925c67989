"""The recording monitor: the SDK's mock monitor, plus a record of every registration.

It records what the real engine would see for every registration: type, name, parent,
inputs (wire names), dependencies, provider, protect and retainOnDelete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from mlinfra.plan import PlannedResource
from mlinfra.wire import from_fields


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, plus a record of every registration request."""

    def __init__(self, mocks: pulumi_mocks.Mocks, on_record: Callable[[PlannedResource], None] | None = None):
        super().__init__(mocks)
        self.records: dict[str, PlannedResource] = {}
        self.duplicates: list[str] = []
        """URNs registered twice: the real engine refuses them ("Duplicate resource URN")."""
        self.on_record = on_record

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # Real URNs qualify a child's type with its ancestors' types, but not the root stack's.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        if response.urn in self.records:
            # Kept as a finding, not raised here: an exception inside the mock monitor's gRPC
            # handler would not reach the program; the engine raises once the program is done.
            self.duplicates.append(response.urn)
        record = self.records[response.urn] = PlannedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=from_fields(request.object.fields),
            dependencies=tuple(sorted(set(request.dependencies))),
            property_dependencies={key: tuple(sorted(set(deps.urns))) for key, deps in request.propertyDependencies.items()},
            provider=request.provider,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
        )
        if self.on_record is not None:
            self.on_record(record)
        return response


class DiagnosticsHandler(logging.Handler):
    """The program's log records (provider warnings such as deprecations): the plan's ``diagnostics``."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.entries: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append({"severity": record.levelname.lower(), "message": record.getMessage()})
