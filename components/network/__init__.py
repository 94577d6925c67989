"""The network area: the VPC, its subnets, NAT, endpoints and flow logs.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.network.network import Network, NetworkArgs

__all__ = [
    "Network",
    "NetworkArgs",
]

_MODULE_OF = {
    "Network": "network",
    "NetworkArgs": "network",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.network' has no attribute {name!r}")
    from components.network import network

    modules = {"network": network}
    return getattr(modules[_MODULE_OF[name]], name)
