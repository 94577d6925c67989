"""Kubernetes versions this toolkit supports, and everything pinned per version.

One table per fact, keyed by the same versions; tests/components/catalog/test_kubernetes.py
keeps the keys in step. Adding a version: a row in each table below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

# EKS add-on versions pinned per Kubernetes version, so an upgrade is a reviewed diff.
# Refresh with: aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>
ADDON_VERSIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        # 1.33 left standard support on 2026-07-29 (extended support, extra cost): upgrade.
        "1.33": {
            "vpc-cni": "v1.20.1-eksbuild.3",
            "coredns": "v1.12.1-eksbuild.2",
            "kube-proxy": "v1.33.0-eksbuild.2",
            "aws-ebs-csi-driver": "v1.46.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
        },
        "1.34": {
            "vpc-cni": "v1.20.4-eksbuild.1",
            "coredns": "v1.12.4-eksbuild.1",
            "kube-proxy": "v1.34.0-eksbuild.4",
            "aws-ebs-csi-driver": "v1.50.1-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.9-eksbuild.3",
        },
        "1.35": {
            "vpc-cni": "v1.21.1-eksbuild.3",
            "coredns": "v1.13.2-eksbuild.1",
            "kube-proxy": "v1.35.0-eksbuild.2",
            "aws-ebs-csi-driver": "v1.54.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.1",
        },
    }
)

SUPPORTED_VERSIONS: tuple[str, ...] = tuple(ADDON_VERSIONS)
"""The versions a stack may choose: exactly those with pinned add-ons."""
DEFAULT_VERSION = SUPPORTED_VERSIONS[-1]

# The cluster-autoscaler's minor version follows the cluster's (its README's compatibility
# table); the chart's default image is the newest minor, so the tag is pinned per version: the
# newest patch of each minor (tags cluster-autoscaler-1.3x.y of kubernetes/autoscaler, checked
# 2026-11 against a snapshot of 2026-08).
CLUSTER_AUTOSCALER_IMAGE_TAGS: Mapping[str, str] = MappingProxyType({"1.33": "v1.33.6", "1.34": "v1.34.5", "1.35": "v1.35.2"})

# End of EKS standard support per version (older versions too: the policy judges any cluster),
# from the EKS Kubernetes release calendar:
# https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
# Add a row when EKS releases a version (14 months of standard support after release), and set
# END_OF_SUPPORT_TABLE_CHECKED to the day you checked the calendar.
END_OF_STANDARD_SUPPORT: Mapping[str, dt.date] = MappingProxyType(
    {
        "1.29": dt.date(2025, 3, 23),
        "1.30": dt.date(2025, 7, 23),
        "1.31": dt.date(2025, 11, 26),
        "1.32": dt.date(2026, 3, 23),
        "1.33": dt.date(2026, 7, 29),
        "1.34": dt.date(2026, 12, 2),
        "1.35": dt.date(2027, 3, 27),
    }
)
END_OF_SUPPORT_TABLE_CHECKED = dt.date(2026, 11, 26)
"""The day the table was last checked against the EKS calendar. The tests judge as of this
date (policy config `asOf`), so their verdicts change when the table does, never with the clock."""
