"""The default providers the real engine registers, which the mock monitor never sees."""

from __future__ import annotations

import dataclasses
from importlib.metadata import version
from typing import Any

from mlinfra.mocks import stable_uuid
from mlinfra.plan import PROJECT, PlannedResource
from stacks.settings import Settings

# Provider packages whose default provider the real engine registers on first use.
_SDK_DISTRIBUTIONS = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "random": "pulumi_random"}


def with_default_providers(records: list[PlannedResource], settings: Settings) -> list[PlannedResource]:
    """Add the default providers the real engine creates, and point resources at them.

    The SDK leaves default providers to the engine, so the mock monitor never sees them; the
    real `pulumi preview` shows one ``default_<version>`` provider per package and every
    custom resource without an explicit provider references it.
    """
    providers: dict[str, PlannedResource] = {}
    out = []
    for record in records:
        package = record.type.split(":")[0]
        if record.custom and not record.provider and not record.type.startswith("pulumi:providers:"):
            if package not in providers:
                ver = version(_SDK_DISTRIBUTIONS.get(package, f"pulumi_{package}"))
                name = f"default_{ver.replace('.', '_')}"
                inputs: dict[str, Any] = {"version": ver}
                if package == "aws":
                    inputs["region"] = settings.region
                providers[package] = PlannedResource(
                    urn=f"urn:pulumi:{settings.stack}::{PROJECT}::pulumi:providers:{package}::{name}",
                    type=f"pulumi:providers:{package}",
                    name=name,
                    parent="",
                    custom=True,
                    inputs=inputs,
                )
            default = providers[package]
            record = dataclasses.replace(record, provider=f"{default.urn}::{stable_uuid(default.urn)}")  # real IDs are random
        out.append(record)
    return out + list(providers.values())
