"""The data lake area: S3 zone buckets, their KMS key, the Glue catalog and the disaster-recovery replicas.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.data_lake.data_lake import DataLake, DataLakeArgs, DataLakeRef, PrefixGrant

__all__ = [
    "DataLake",
    "DataLakeArgs",
    "DataLakeRef",
    "PrefixGrant",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "DataLake": "data_lake",
        "DataLakeArgs": "data_lake",
        "DataLakeRef": "data_lake",
        "PrefixGrant": "data_lake",
    },
)
