"""Names and small types several areas agree on, kept here so no area imports another.

Each was defined by the area that creates the thing and read by another area; the catalog is
the one place both may import (the import-linter contract "Areas are independent").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Label (value ``system``) of the system nodes (cluster area); add-ons that must not run on GPU
# nodes select it (gpu area: cluster-autoscaler).
SYSTEM_NODE_LABEL = "mlinfra.io/node-role"
# Labels of every GPU node (gpu area); dashboards and alerts group by them (monitoring area).
POOL_LABEL = "mlinfra.io/gpu-pool"
MODEL_LABEL = "mlinfra.io/gpu-model"
# The encrypted gp3 StorageClass (cluster area) every stateful workload uses (kafka, monitoring).
STORAGE_CLASS_NAME = "mlinfra-gp3-encrypted"
# cluster-autoscaler's tag prefix on the node groups it manages (gpu area: pools and the autoscaler).
AUTOSCALER_TAG = "k8s.io/cluster-autoscaler"

# Which Kafka the platform runs (kafka area); monitoring scrapes it accordingly.
KafkaMode = Literal["off", "strimzi", "msk"]


@dataclass(frozen=True)
class PrefixGrant:
    """Access to one key prefix of one zone of the lake (data lake area; teams area asks for them)."""

    zone: str
    """Must be one of the lake's zones."""
    prefix: str
    """A key prefix such as ``teams/vision/``: ends with "/", no leading "/"."""
    access: Literal["read", "read-write"]
    """``read``: get and list; ``read-write``: also put, delete and abort multipart uploads."""
