"""The cluster settings: versions, CIDRs, endpoint, node sizes, admins; one test per message."""

from __future__ import annotations

import pytest

from stacks.errors import ConfigError
from stacks.loading import settings_from_config
from tests.stacks.support import _error, _settings


def test_service_cidr_overlapping_the_vpc_is_rejected() -> None:
    msg = _error(**{"mlinfra:vpc_cidr": "172.20.0.0/16"})
    assert "mlinfra:service_cidr: 172.20.0.0/16 overlaps vpc_cidr 172.20.0.0/16" in msg


def test_min_greater_than_max_is_rejected() -> None:
    msg = _error(**{"mlinfra:system_node_group": {"min_size": 4, "max_size": 3, "desired_size": 3}})
    assert "mlinfra:system_node_group: min_size (4) must be <= max_size (3)" in msg


def test_desired_outside_min_max_is_rejected() -> None:
    msg = _error(**{"mlinfra:system_node_group": {"desired_size": 9}})
    assert "desired_size (9) must be between min_size (2) and max_size (5)" in msg


def test_unsupported_kubernetes_version() -> None:
    assert "mlinfra:kubernetes_version: must be one of ['1.33', '1.34', '1.35'], got '1.27'" in _error(
        **{"mlinfra:kubernetes_version": "1.27"}
    )


def test_bad_log_type_lists_the_allowed_ones() -> None:
    msg = _error(**{"mlinfra:control_plane_log_types": ["api", "kubelet"]})
    assert "mlinfra:control_plane_log_types[1]: must be one of" in msg and "'scheduler'" in msg


def test_prod_endpoint_open_to_the_world_is_rejected() -> None:
    msg = _error(
        **{
            "mlinfra:environment": "prod",
            "mlinfra:endpoint_public_access": True,
            "mlinfra:endpoint_public_access_cidrs": ["0.0.0.0/0"],
        }
    )
    assert "mlinfra:endpoint_public_access_cidrs: prod's public endpoint must list the CIDRs" in msg


def test_prod_public_endpoint_without_cidrs_is_rejected() -> None:
    msg = _error(**{"mlinfra:environment": "prod", "mlinfra:endpoint_public_access": True})
    assert "never 0.0.0.0/0" in msg


def test_prod_public_endpoint_from_listed_cidrs_is_allowed() -> None:
    s = _settings(
        **{
            "mlinfra:environment": "prod",
            "mlinfra:endpoint_public_access": True,
            "mlinfra:endpoint_public_access_cidrs": ["203.0.113.0/24"],
        }
    )
    assert s.endpoint_public_access_cidrs == ("203.0.113.0/24",)


def test_cluster_name_must_be_an_eks_name() -> None:
    assert "mlinfra:cluster_name: must be an EKS cluster name: 1-100 letters" in _error(**{"mlinfra:cluster_name": "bad.name"})


def test_admin_roles_must_be_role_arns() -> None:
    msg = _error(**{"mlinfra:admin_role_arns": ["arn:aws:iam::123456789012:user/alice"]})
    assert "mlinfra:admin_role_arns: must be IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admin" in msg
    ok = _settings(**{"mlinfra:admin_role_arns": ["arn:aws:iam::123456789012:role/platform/admin"]})
    assert ok.admin_role_arns == ("arn:aws:iam::123456789012:role/platform/admin",)


def test_unquoted_kubernetes_version_says_to_quote_it() -> None:
    msg = _error(**{"mlinfra:kubernetes_version": 1.35})
    assert 'mlinfra:kubernetes_version: write the version as a quoted string, e.g. "1.35" (YAML read 1.35 as a number)' in msg


@pytest.mark.parametrize("stack", ["a.b", "x" * 120])
def test_a_stack_name_that_makes_an_invalid_cluster_name_is_blamed_on_the_stack(stack: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_config({"aws:region": "us-west-2", "mlinfra:environment": "dev"}, stack=stack, source="s.yaml")
    expected = f"stack {stack!r} makes the EKS cluster name 'mlinfra-{stack}', which EKS refuses"
    assert any((p.file, p.field) == ("s.yaml", "stack name") and p.message.startswith(expected) for p in info.value.problems), (
        info.value.problems
    )


@pytest.mark.parametrize("instance_type", ["m6i.huge", "", "g5.xlarge"])
def test_system_nodes_take_only_priced_general_purpose_types(instance_type: str) -> None:
    node_group = {"instance_types": [instance_type], "min_size": 2, "max_size": 3, "desired_size": 2, "disk_size_gb": 50}
    msg = _error(**{"mlinfra:system_node_group": node_group})
    assert (
        f"mlinfra:system_node_group.instance_types[0]: {instance_type!r} is not a system instance type this toolkit prices" in msg
    )


@pytest.mark.parametrize("cidr", ["100.64.0.0/16", "127.0.0.0/16"])
def test_service_cidr_must_be_rfc1918(cidr: str) -> None:
    assert "mlinfra:service_cidr: must be inside an RFC 1918 block" in _error(**{"mlinfra:service_cidr": cidr})
