"""The stack's cost estimate, shared by the GPU and cost budget rules.

Uses ``components.catalog.cost.estimate``, the same model `mlinfra plan` prints.
``set_estimator`` swaps the model in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from pulumi_policy import StackValidationArgs

from components.catalog.cost import estimate as catalog_estimate
from policies.rules._util import get, plain


class CostEstimate(Protocol):
    @property
    def monthly_min(self) -> float: ...
    @property
    def monthly_max(self) -> float: ...
    @property
    def gpus_min(self) -> int: ...
    @property
    def gpus_max(self) -> int: ...


Estimator = Callable[[Iterable[tuple[str, str, Mapping[str, Any]]], str], CostEstimate]
_override: Estimator | None = None


def set_estimator(estimator: Estimator | None) -> None:
    """Replace the cost model (tests); ``None`` restores the catalog's model."""
    global _override
    _override = estimator


def _estimator() -> Estimator:
    return _override or catalog_estimate


def region_of(args: StackValidationArgs) -> str:
    """The AWS region: the provider's `region`, else a subnet's AZ, else config `region`."""
    for r in args.resources:
        if r.provider is not None and r.provider.resource_type == "pulumi:providers:aws":
            region = get(r.provider.props, "region")
            if isinstance(region, str) and region:
                return region
    for r in args.resources:
        if r.resource_type == "aws:ec2/subnet:Subnet":
            az = get(r.props, "availabilityZone")
            if isinstance(az, str) and len(az) > 1:
                return az[:-1]
    return str(args.get_config().get("region") or "us-east-1")


def estimate(args: StackValidationArgs) -> CostEstimate:
    """The stack's estimate (GPUs and monthly cost at minimum and maximum size)."""
    resources = [(r.resource_type, r.name, plain(r.props)) for r in args.resources]
    return _estimator()(resources, region_of(args))
