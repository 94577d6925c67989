"""The network area: the VPC, its subnets, NAT, endpoints and flow logs.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.network.network import Network, NetworkArgs

__all__ = [
    "Network",
    "NetworkArgs",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Network": "network",
        "NetworkArgs": "network",
    },
)
