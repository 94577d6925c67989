"""The data lake area: S3 zone buckets, their KMS key, the Glue catalog and the disaster-recovery replicas.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.data_lake.data_lake import DataLake, DataLakeArgs, DataLakeRef, PrefixGrant

__all__ = [
    "DataLake",
    "DataLakeArgs",
    "DataLakeRef",
    "PrefixGrant",
]

_MODULE_OF = {
    "DataLake": "data_lake",
    "DataLakeArgs": "data_lake",
    "DataLakeRef": "data_lake",
    "PrefixGrant": "data_lake",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.data_lake' has no attribute {name!r}")
    from components.data_lake import data_lake

    modules = {"data_lake": data_lake}
    return getattr(modules[_MODULE_OF[name]], name)
