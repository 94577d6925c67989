"""Estimated monthly cost of a plan, at minimum and at maximum size.

A registry maps a resource type to a function that prices one planned resource; add an
item by registering one more function (``@register("aws:kms/key:Key")``) here. Prices come
from components/catalog/gpu.py and prices.py. A month is ``HOURS_PER_MONTH`` hours.
The estimate covers compute and hourly fees only: no data transfer, NAT data processing,
EBS volumes or requests. SPOT pools are costed at the on-demand price, their ceiling;
CAPACITY_BLOCK pools at the on-demand price as a stand-in for the prepaid block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.catalog.prices import (
    CLOUDWATCH_ALARM_MONTHLY,
    CLOUDWATCH_METRIC_MONTHLY,
    EKS_CONTROL_PLANE_HOURLY,
    HOURS_PER_MONTH,
    KMS_KEY_MONTHLY,
    MSK_BROKER_HOURLY,
    MSK_STORAGE_GB_MONTH,
    NAT_GATEWAY_HOURLY,
    S3_REPLICATION_METRICS_PER_RULE,
    instance_hourly_price,
)


@dataclass(frozen=True)
class CostItem:
    """One priced resource."""

    name: str
    """The resource's name in the plan."""
    kind: str
    """What is priced: ``gpu-nodes``, ``nodes``, ``nat-gateway``, ``eks-control-plane``..."""
    monthly_min: float
    """USD per month at minimum size."""
    monthly_max: float
    """USD per month at maximum size."""
    detail: str = ""
    """How the figure was computed, for people."""
    gpus_min: int = 0
    gpus_max: int = 0


@dataclass(frozen=True)
class CostEstimate:
    """The priced items of a plan and their totals (USD per month)."""

    region: str
    items: tuple[CostItem, ...]
    unpriced: tuple[str, ...] = ()
    """Resources whose price is unknown (e.g. an instance type missing from the catalog)."""

    @property
    def monthly_min(self) -> float:
        return round(sum(i.monthly_min for i in self.items), 2)

    @property
    def monthly_max(self) -> float:
        return round(sum(i.monthly_max for i in self.items), 2)

    @property
    def gpus_min(self) -> int:
        return sum(i.gpus_min for i in self.items)

    @property
    def gpus_max(self) -> int:
        return sum(i.gpus_max for i in self.items)

    def to_json(self) -> dict[str, Any]:
        """The ``cost`` section of the plan JSON."""
        return {
            "currency": "USD",
            "hoursPerMonth": HOURS_PER_MONTH,
            "region": self.region,
            "monthlyMin": self.monthly_min,
            "monthlyMax": self.monthly_max,
            "gpusMin": self.gpus_min,
            "gpusMax": self.gpus_max,
            "items": [
                {
                    "name": i.name,
                    "kind": i.kind,
                    "monthlyMin": round(i.monthly_min, 2),
                    "monthlyMax": round(i.monthly_max, 2),
                    "gpusMin": i.gpus_min,
                    "gpusMax": i.gpus_max,
                    "detail": i.detail,
                }
                for i in self.items
            ],
            "unpriced": list(self.unpriced),
        }


class Unpriced(Exception):
    """An estimator cannot price this resource; the estimate lists it instead of guessing."""


Estimator = Callable[[str, Mapping[str, Any], str], Iterable[CostItem]]
"""(resource name, plain inputs with wire names, region) -> priced items."""

ESTIMATORS: dict[str, Estimator] = {}


def register(type_token: str) -> Callable[[Estimator], Estimator]:
    """Register the estimator of one resource type (one per type)."""

    def decorate(fn: Estimator) -> Estimator:
        if type_token in ESTIMATORS:
            raise ValueError(f"an estimator for {type_token} is already registered")
        ESTIMATORS[type_token] = fn
        return fn

    return decorate


def estimate(resources: Iterable[tuple[str, str, Mapping[str, Any]]], region: str) -> CostEstimate:
    """Price ``(type, name, plain inputs)`` tuples in ``region``; unregistered types cost nothing."""
    items: list[CostItem] = []
    unpriced: list[str] = []
    for type_, name, inputs in resources:
        estimator = ESTIMATORS.get(type_)
        if estimator is None:
            continue
        try:
            items.extend(estimator(name, inputs, region))
        except Unpriced as exc:
            unpriced.append(f"{type_} {name}: {exc}")
    items.sort(key=lambda i: (-i.monthly_max, i.kind, i.name))
    return CostEstimate(region=region, items=tuple(items), unpriced=tuple(sorted(unpriced)))


def estimate_plan(plan: Any, region: str | None = None) -> CostEstimate:
    """Estimate a ``mlinfra.engine.Plan``; the region defaults to the plan's ``region`` output."""
    region = region or plan.outputs.get("region")
    if not region:
        raise ValueError(f"plan of stack {plan.stack} has no 'region' output; pass region=")
    return estimate(((r.type, r.name, r.plain_inputs()) for r in plan.resources if r.custom), region)


def _price_range(low: float, high: float) -> str:
    return f"${low:g}" if low == high else f"${low:g}..${high:g}"


def _monthly(hourly: float, count: int) -> float:
    return hourly * count * HOURS_PER_MONTH


@register("aws:eks/nodeGroup:NodeGroup")
def _node_group(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    types = list(inputs.get("instanceTypes") or [])
    scaling = inputs.get("scalingConfig") or {}
    low, high = int(scaling.get("minSize", 0)), int(scaling.get("maxSize", 0))
    if not types:
        raise Unpriced("no instanceTypes")
    prices = {}
    for t in types:
        price = instance_hourly_price(t, region)
        if price is None:
            raise Unpriced(f"no price for {t} in {region} (components/catalog/gpu.py, prices.py)")
        prices[t] = price
    gpus = [GPU_INSTANCE_TYPES[t].gpus for t in types if t in GPU_INSTANCE_TYPES]
    is_gpu = len(gpus) == len(types)
    # At minimum the cheapest type runs, at maximum the dearest: a range that holds whichever
    # type the node group launches.
    cheapest, dearest = min(prices, key=lambda t: prices[t]), max(prices, key=lambda t: prices[t])
    market = inputs.get("capacityType", "ON_DEMAND")
    # Capacity Blocks are paid up front at their own (changing) rate; on-demand is a stand-in.
    note = {"SPOT": " (spot: on-demand ceiling)", "CAPACITY_BLOCK": " (capacity block: prepaid, on-demand as proxy)"}.get(
        market, ""
    )
    return [
        CostItem(
            name=name,
            kind="gpu-nodes" if is_gpu else "nodes",
            monthly_min=_monthly(prices[cheapest], low),
            monthly_max=_monthly(prices[dearest], high),
            detail=f"{low}..{high} x {'/'.join(types)} @ {_price_range(prices[cheapest], prices[dearest])}/h{note}",
            gpus_min=low * min(gpus) if is_gpu else 0,
            gpus_max=high * max(gpus) if is_gpu else 0,
        )
    ]


@register("aws:ec2/natGateway:NatGateway")
def _nat_gateway(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    hourly = NAT_GATEWAY_HOURLY.get(region)
    if hourly is None:
        raise Unpriced(f"no NAT gateway price for {region}")
    monthly = _monthly(hourly, 1)
    return [CostItem(name, "nat-gateway", monthly, monthly, f"${hourly:g}/h, data processing not included")]


@register("aws:eks/cluster:Cluster")
def _eks_cluster(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    # Without an upgrade policy EKS bills extended support once standard support ends.
    support = (inputs.get("upgradePolicy") or {}).get("supportType", "EXTENDED")
    hourly = EKS_CONTROL_PLANE_HOURLY[support]
    monthly = _monthly(hourly, 1)
    return [CostItem(name, "eks-control-plane", monthly, monthly, f"{support.lower()} support, ${hourly:g}/h")]


# A customer-managed KMS key is $1/month in every commercial region (components/catalog/gpu.py);
# each automatic rotation adds $1/month, capped at the second (https://aws.amazon.com/kms/pricing/).
# Requests and the data lake's S3 storage are usage-based and not estimated.
@register("aws:kms/key:Key")
def _kms_key(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    return [
        CostItem(
            name,
            "kms-key",
            KMS_KEY_MONTHLY,
            KMS_KEY_MONTHLY,
            "$1/month per key (+$1 per rotation, max $3); S3 storage is usage-based",
        )
    ]


@register("aws:msk/cluster:Cluster")
def _msk_cluster(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    info = inputs.get("brokerNodeGroupInfo") or {}
    broker_type = info.get("instanceType", "")
    brokers = int(inputs.get("numberOfBrokerNodes") or 0)
    hourly = MSK_BROKER_HOURLY.get(broker_type, {}).get(region)
    gb_month = MSK_STORAGE_GB_MONTH.get(region)
    if hourly is None or gb_month is None:
        raise Unpriced(f"no MSK price for {broker_type or 'no instanceType'} in {region} (components/catalog/prices.py)")
    volume = int(((info.get("storageInfo") or {}).get("ebsStorageInfo") or {}).get("volumeSize") or 1000)
    monthly = _monthly(hourly, brokers) + brokers * volume * gb_month
    detail = (
        f"{brokers} x {broker_type} @ ${hourly:g}/h + {brokers} x {volume} GB @ ${gb_month:g}/GB-month "
        "(storage autoscaling growth, transfer and delivery are usage-based)"
    )
    return [CostItem(name, "kafka-brokers", monthly, monthly, detail)]


@register("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
def _firehose(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    # Listed so the estimate says it is there: Firehose is billed per GB ingested.
    return [CostItem(name, "delivery", 0.0, 0.0, "usage-based: per GB ingested from MSK, not estimated")]


@register("aws:cloudwatch/metricAlarm:MetricAlarm")
def _metric_alarm(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    return [CostItem(name, "alarm", CLOUDWATCH_ALARM_MONTHLY, CLOUDWATCH_ALARM_MONTHLY, "$0.10/month per standard alarm")]


@register("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
def _replication(name: str, inputs: Mapping[str, Any], region: str) -> Iterable[CostItem]:
    # Replicated bytes, requests and S3 RTC are billed per GB: only the rules' metrics are fixed.
    measured = [
        r for r in inputs.get("rules") or [] if ((r.get("destination") or {}).get("metrics") or {}).get("status") == "Enabled"
    ]
    metrics = len(measured) * S3_REPLICATION_METRICS_PER_RULE
    monthly = metrics * CLOUDWATCH_METRIC_MONTHLY
    detail = f"{metrics} replication metrics @ ${CLOUDWATCH_METRIC_MONTHLY:g}/month; transfer and storage are usage-based"
    return [CostItem(name, "replication", monthly, monthly, detail)]
