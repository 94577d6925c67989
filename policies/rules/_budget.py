"""The stack's cost estimate, shared by the GPU and cost budget rules.

Uses ``mlinfra.cost.estimate`` (the same model `mlinfra plan` prints), imported lazily so
the rest of the pack works without it. ``set_estimator`` swaps the model in tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from pulumi_policy import StackValidationArgs

from policies.rules._util import get, plain


class CostEstimate(Protocol):
    monthly_min: float
    monthly_max: float
    gpus_min: int
    gpus_max: int


Estimator = Callable[[Iterable[tuple[str, str, dict[str, Any]]], str], CostEstimate]
_override: Estimator | None = None


def set_estimator(estimator: Estimator | None) -> None:
    """Replace the cost model (tests); ``None`` restores mlinfra.cost.estimate."""
    global _override
    _override = estimator


def _estimator() -> Estimator | None:
    if _override is not None:
        return _override
    try:
        return importlib.import_module("mlinfra.cost").estimate
    except (ImportError, AttributeError):
        return None


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
    """The stack's estimate, or ``args.not_applicable`` when no cost model is installed."""
    estimator = _estimator()
    if estimator is None:
        args.not_applicable("mlinfra.cost is not importable, so the stack cannot be costed")
    resources = [(r.resource_type, r.name, plain(r.props)) for r in args.resources]
    return estimator(resources, region_of(args))  # type: ignore[misc]
