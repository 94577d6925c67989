"""The VPC CIDR rule and the CIDR parser shared by the network and cluster settings."""

from __future__ import annotations

import pytest

from components.network.validation import log_retention_problem, parse_ipv4_network, vpc_cidr_problem


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/20", "192.168.0.0/16"])
def test_private_blocks_between_16_and_20_are_accepted(cidr: str) -> None:
    assert vpc_cidr_problem(cidr) is None


@pytest.mark.parametrize(
    "cidr,message",
    [
        ("8.8.0.0/16", "must be an RFC 1918 private block (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), got '8.8.0.0/16'"),
        ("127.0.0.0/16", "must be an RFC 1918 private block"),
        ("169.254.0.0/16", "must be an RFC 1918 private block"),
        ("0.0.0.0/16", "must be an RFC 1918 private block"),
        ("240.0.0.0/16", "must be an RFC 1918 private block"),
        ("10.0.0.0/12", "prefix length must be between /16 and /20, got /12"),
        ("10.0.0.0/24", "prefix length must be between /16 and /20, got /24"),
        ("10.0.0.1/16", "must be an IPv4 CIDR such as 10.0.0.0/16, got '10.0.0.1/16'"),
        ("not-a-cidr", "must be an IPv4 CIDR such as 10.0.0.0/16, got 'not-a-cidr'"),
    ],
)
def test_other_blocks_say_what_is_allowed(cidr: str, message: str) -> None:
    problem = vpc_cidr_problem(cidr)
    assert problem is not None and problem.startswith(message), problem


def test_parser_raises_value_error_naming_the_value() -> None:
    with pytest.raises(ValueError, match="got '300.0.0.0/8'"):
        parse_ipv4_network("300.0.0.0/8")


def test_log_retention_takes_only_cloudwatch_values() -> None:
    assert log_retention_problem(14) is None and log_retention_problem(3653) is None
    for days in (-14, 0, 15, 99999999999999):
        problem = log_retention_problem(days)
        assert problem is not None and problem.startswith("CloudWatch Logs accepts only [1, 3, 5"), problem
