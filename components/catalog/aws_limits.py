"""AWS limits that settings check before anything is planned (values AWS would reject at deploy time)."""

from __future__ import annotations

# CloudWatch Logs retention: only these values are accepted (PutRetentionPolicy, 2026-11).
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Tags per resource: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
MAX_TAGS_PER_RESOURCE = 50

# RFC 1918 private blocks; EKS also requires the service CIDR inside one of them.
# https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html
RFC1918_BLOCKS: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

# EKS cluster names: 1-100 characters, a letter or digit first, then letters, digits, '-' and '_'.
# https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
EKS_CLUSTER_NAME_PATTERN = r"[0-9A-Za-z][A-Za-z0-9\-_]{0,99}"
