"""Pure validation of the network, shared by stacks/network_settings.py, cluster settings and NetworkArgs."""

from __future__ import annotations

import ipaddress
from typing import Literal, get_args

from components.catalog.aws_limits import CLOUDWATCH_RETENTION_DAYS, RFC1918_BLOCKS

NatGateways = Literal["single", "one_per_az"]
NAT_GATEWAY_MODES: tuple[str, ...] = get_args(NatGateways)
MIN_AZS, MAX_AZS = 2, 6  # EKS needs two AZs; six is the most any supported region has


def parse_ipv4_network(value: str) -> ipaddress.IPv4Network:
    """The network, or a ValueError that says what a CIDR looks like."""
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR such as 10.0.0.0/16, got {value!r} ({exc})") from None


def is_rfc1918(net: ipaddress.IPv4Network) -> bool:
    # ipaddress's is_private also counts loopback, link-local and reserved blocks, which a VPC refuses.
    return any(net.subnet_of(ipaddress.IPv4Network(block)) for block in RFC1918_BLOCKS)


def vpc_cidr_problem(value: str) -> str | None:
    """An RFC 1918 block between /16 and /20, or what is wrong."""
    try:
        net = parse_ipv4_network(value)
    except ValueError as exc:
        return str(exc)
    if not is_rfc1918(net):
        return f"must be an RFC 1918 private block (inside {', '.join(RFC1918_BLOCKS)}), got {value!r}"
    if not 16 <= net.prefixlen <= 20:
        return f"prefix length must be between /16 and /20, got /{net.prefixlen}"
    return None


def log_retention_problem(days: int) -> str | None:
    """A retention CloudWatch Logs accepts, or the allowed values."""
    if days not in CLOUDWATCH_RETENTION_DAYS:
        return f"CloudWatch Logs accepts only {list(CLOUDWATCH_RETENTION_DAYS)} days, got {days}"
    return None
