"""Regions this toolkit supports and their availability zones.

Used to reject an AZ count a region cannot hold before anything is planned, and by the
offline engine to answer ``aws:index/getAvailabilityZones`` like the real API would.
Source: AWS Regions and Zones (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html), 2026-11.
"""

from __future__ import annotations

REGIONS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("a", "b", "c", "d", "e", "f"),
    "us-east-2": ("a", "b", "c"),
    "us-west-2": ("a", "b", "c", "d"),
    "eu-west-1": ("a", "b", "c"),
    "eu-central-1": ("a", "b", "c"),
    "ap-northeast-1": ("a", "c", "d"),
}


def region_az_names(region: str) -> list[str]:
    """AZ names of a supported region, e.g. ``["us-west-2a", ...]``."""
    return [f"{region}{suffix}" for suffix in REGIONS[region]]


# Regions that may hold only the data lake's replica buckets and key (storage, no compute: no
# AZ count or prices needed), besides every supported region.
STORAGE_ONLY_REGIONS: tuple[str, ...] = ("ap-northeast-3",)
REPLICA_REGIONS: tuple[str, ...] = (*REGIONS, *STORAGE_ONLY_REGIONS)

# Where the lake replicates by default: the nearest region of the same geography and legal
# jurisdiction, far enough that one regional event does not take both (US coasts, EU West and
# Central, Tokyo and Osaka).
DEFAULT_REPLICA_REGION: dict[str, str] = {
    "us-east-1": "us-west-2",
    "us-east-2": "us-west-2",
    "us-west-2": "us-east-1",
    "eu-west-1": "eu-central-1",
    "eu-central-1": "eu-west-1",
    "ap-northeast-1": "ap-northeast-3",
}
