"""Fixed prices of everything but GPU instances (those live with their types in gpu.py).

Same source and honesty note as components/catalog/gpu.py: AWS list prices (us-east-1, 2025-06)
typed by hand, not fetched from the Price List API; other regions by a rough ratio. A month is
730 hours (365 x 24 / 12, AWS's own convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.catalog.regions import REGIONS

HOURS_PER_MONTH = 730

# Price of a region relative to us-east-1 for general-purpose families.
_GENERAL_REGION_RATIO: Mapping[str, float] = {
    "us-east-1": 1.0,
    "us-east-2": 1.0,
    "us-west-2": 1.0,
    "eu-west-1": 1.115,
    "eu-central-1": 1.198,
    "ap-northeast-1": 1.292,
}

# General-purpose types the system node group may use (us-east-1 USD/hour, same source).
_SYSTEM_TYPES: dict[str, float] = {
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
    "m6i.4xlarge": 0.768,
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m7i.2xlarge": 0.4032,
}
SYSTEM_INSTANCE_PRICES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        name: MappingProxyType({r: round(price * _GENERAL_REGION_RATIO[r], 4) for r in REGIONS})
        for name, price in _SYSTEM_TYPES.items()
    }
)

# NAT gateway, USD per gateway-hour (data processing per GB is not estimated).
NAT_GATEWAY_HOURLY: Mapping[str, float] = MappingProxyType(
    {
        "us-east-1": 0.045,
        "us-east-2": 0.045,
        "us-west-2": 0.045,
        "eu-west-1": 0.048,
        "eu-central-1": 0.052,
        "ap-northeast-1": 0.062,
    }
)
# EKS control plane, USD per cluster-hour, the same in every region
# (https://aws.amazon.com/eks/pricing/): standard support, and extended support.
EKS_CONTROL_PLANE_HOURLY: Mapping[str, float] = MappingProxyType({"STANDARD": 0.10, "EXTENDED": 0.60})
# KMS customer-managed key, USD per key-month (requests are not estimated).
KMS_KEY_MONTHLY = 1.00
# CloudWatch, USD per month (https://aws.amazon.com/cloudwatch/pricing/): a standard-resolution
# metric alarm, and a custom metric (first 10,000), the rate S3 Replication metrics are billed at
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html). A rule with metrics
# on publishes four: BytesPendingReplication, ReplicationLatency, OperationsPendingReplication,
# OperationsFailedReplication (same page).
CLOUDWATCH_ALARM_MONTHLY = 0.10
CLOUDWATCH_METRIC_MONTHLY = 0.30
S3_REPLICATION_METRICS_PER_RULE = 4

# Amazon MSK provisioned (standard) brokers, USD per broker-hour in us-east-1, and broker EBS
# storage, USD per GB-month (https://aws.amazon.com/msk/pricing/, typed by hand 2025-06 like
# the rest of this file; other regions by the general ratio). Data transfer, provisioned
# storage throughput and Firehose delivery (per GB ingested) are usage-based: not estimated.
_MSK_BROKER_TYPES: dict[str, float] = {
    "kafka.t3.small": 0.0456,
    "kafka.m5.large": 0.21,
    "kafka.m5.xlarge": 0.42,
    "kafka.m5.2xlarge": 0.84,
    "kafka.m5.4xlarge": 1.68,
    "kafka.m7g.large": 0.204,
    "kafka.m7g.xlarge": 0.408,
    "kafka.m7g.2xlarge": 0.816,
    "kafka.m7g.4xlarge": 1.632,
}
MSK_BROKER_HOURLY: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        name: MappingProxyType({r: round(price * _GENERAL_REGION_RATIO[r], 4) for r in REGIONS})
        for name, price in _MSK_BROKER_TYPES.items()
    }
)
MSK_STORAGE_GB_MONTH: Mapping[str, float] = MappingProxyType({r: round(0.10 * _GENERAL_REGION_RATIO[r], 4) for r in REGIONS})


def instance_hourly_price(name: str, region: str) -> float | None:
    """On-demand USD/hour of any catalogued type in a region, or None if unknown/not offered."""
    gpu = GPU_INSTANCE_TYPES.get(name)
    if gpu is not None:
        return gpu.hourly_prices.get(region)
    return SYSTEM_INSTANCE_PRICES.get(name, {}).get(region)
