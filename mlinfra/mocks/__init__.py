"""Deterministic, realistic answers for the offline engine.

Every value is derived from the resource's type and name, so two runs of the same program
produce byte-identical plans. Resource answers live next to the area that owns the type, one
module per area registering into the table (``mlinfra/mocks/table.py``); every module of this
package is loaded with it (``_load_area_modules``), so a new area only adds its file, which
imports ``mock_outputs`` from ``table`` (never from this package, which loads the area modules). Invokes the program does not
declare here fail loudly: an unanswered invoke would otherwise hide a real dependency on the
cloud.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import pulumi

from components.catalog.regions import region_az_names
from mlinfra.mocks.table import (
    ACCOUNT_ID,
    TABLE,
    DuplicateMockError,
    MockTable,
    ResourceCall,
    StackOutputs,
    UnknownInvokeError,
    mock_outputs,
    short_hash,
    stable_uuid,
)


def _load_area_modules() -> list[str]:
    """Import every module of this package: each area's module fills its part of the table."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "table")
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names


AREA_MODULES = _load_area_modules()

__all__ = [
    "ACCOUNT_ID",
    "TABLE",
    "DuplicateMockError",
    "MockTable",
    "PlatformMocks",
    "ResourceCall",
    "StackOutputs",
    "UnknownInvokeError",
    "mock_outputs",
    "stable_uuid",
]


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers resource registrations (through the table) and the few invokes the platform uses."""

    def __init__(
        self,
        region: str,
        account_id: str = ACCOUNT_ID,
        stack_references: dict[str, StackOutputs] | None = None,
        table: MockTable = TABLE,
    ):
        self.region = region
        self.account_id = account_id
        self.table = table
        # Explicit providers' regions by provider ID (the data lake's replica region).
        self._provider_regions: dict[str, str] = {}
        # Stack name (as the program passes it to StackReference) -> that stack's planned outputs.
        self.stack_references = dict(stack_references or {})
        self._invokes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": self._availability_zones,
            "aws:index/getCallerIdentity:getCallerIdentity": self._caller_identity,
            "aws:index/getRegion:getRegion": self._region,
            "aws:index/getPartition:getPartition": self._partition,
        }

    # -- invokes --------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = self._invokes.get(args.token)
        if handler is None:
            raise UnknownInvokeError(
                f"the offline engine does not answer the invoke {args.token!r}; "
                f"known: {sorted(self._invokes)} (add an answer in mlinfra/mocks/__init__.py)"
            )
        return handler(args.args), []

    def _availability_zones(self, _args: dict[str, Any]) -> dict[str, Any]:
        names = region_az_names(self.region)
        short = self.region.replace("-", "")[:3] + self.region.split("-")[-1]
        return {
            "id": self.region,
            "names": names,
            "zoneIds": [f"{short}-az{i + 1}" for i in range(len(names))],
            "groupNames": [self.region] * len(names),
            "state": "available",
        }

    def _caller_identity(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "accountId": self.account_id,
            "arn": f"arn:aws:sts::{self.account_id}:assumed-role/mlinfra-deployer/offline-plan",
            "userId": "AROAOFFLINEPLAN:offline-plan",
        }

    def _region(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.region,
            "name": self.region,
            "region": self.region,
            "endpoint": f"ec2.{self.region}.amazonaws.com",
            "description": self.region,
        }

    def _partition(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}

    # -- resources ------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return self.table.lookup(args.typ)(self.resource_call(args))

    def resource_call(self, args: pulumi.runtime.MockResourceArgs) -> ResourceCall:
        """What an answer needs to know about one registration."""
        typ, name = args.typ, args.name
        physical = f"{name}-{short_hash(typ, name, n=7)}"
        id_prefix = self.table.id_prefix(typ)
        return ResourceCall(
            type=typ,
            name=name,
            inputs=dict(args.inputs),
            # A resource of an explicit provider lives in that provider's region (ARNs say so).
            region=self._provider_regions.get((args.provider or "").rsplit("::", 1)[-1], self.region),
            account=self.account_id,
            physical=physical,
            resource_id=f"{id_prefix}{short_hash(typ, name, n=17)}" if id_prefix else physical,
            requested_id=args.resource_id,
            stack_references=self.stack_references,
            provider_regions=self._provider_regions,
        )
