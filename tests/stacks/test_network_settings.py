"""The network settings: AZ count, VPC CIDR, one test per message."""

from __future__ import annotations

from tests.stacks.support import _error


def test_more_azs_than_the_region_has() -> None:
    msg = _error(**{"aws:region": "eu-west-1", "mlinfra:availability_zones": 4})
    assert "mlinfra:availability_zones: region eu-west-1 has 3 AZs; allowed 2..3, got 4" in msg


def test_fewer_than_two_azs() -> None:
    assert "mlinfra:availability_zones: Input should be greater than or equal to 2" in _error(**{"mlinfra:availability_zones": 1})


def test_public_vpc_cidr_is_rejected() -> None:
    assert "mlinfra:vpc_cidr: must be an RFC 1918 private block" in _error(**{"mlinfra:vpc_cidr": "8.8.0.0/16"})


def test_vpc_cidr_size_is_bounded() -> None:
    assert "prefix length must be between /16 and /20, got /24" in _error(**{"mlinfra:vpc_cidr": "10.0.0.0/24"})


def test_malformed_cidr_is_rejected() -> None:
    assert "mlinfra:vpc_cidr: must be an IPv4 CIDR" in _error(**{"mlinfra:vpc_cidr": "10.0.0.1/16"})
