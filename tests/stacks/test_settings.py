"""Settings: environment defaults, stack-file overrides, and one test per error message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacks.errors import ConfigError
from stacks.loading import load_settings, settings_from_config
from stacks.settings import ENVIRONMENT_DEFAULTS


def _settings(**config):
    base = {"aws:region": "us-west-2", "mlinfra:environment": "dev"}
    base.update(config)
    return settings_from_config(base, stack="test", source="stacks/Pulumi.test.yaml")


def _error(**config) -> str:
    with pytest.raises(ConfigError) as info:
        _settings(**config)
    return str(info.value)


@pytest.mark.parametrize(
    "stack,azs,nat,public,protect",
    [("dev", 2, "single", True, False), ("staging", 3, "single", False, False), ("prod", 3, "one_per_az", False, True)],
)
def test_each_environment_defaults(stack: str, azs: int, nat: str, public: bool, protect: bool) -> None:
    s = load_settings(stack)
    assert s.environment == stack
    assert s.availability_zones == azs
    assert s.nat_gateways == nat
    assert s.endpoint_public_access is public
    assert s.enable_protection is protect
    assert s.effective_cluster_name == f"mlinfra-{stack}"
    assert s.base_tags["environment"] == stack and s.base_tags["managed-by"] == "mlinfra"


def test_stack_file_overrides_nested_fields_and_keeps_the_rest() -> None:
    s = _settings(**{"mlinfra:system_node_group": {"max_size": 5}, "mlinfra:availability_zones": "3"})
    assert s.system_node_group.max_size == 5
    assert s.system_node_group.min_size == ENVIRONMENT_DEFAULTS["dev"]["system_node_group"]["min_size"]
    assert s.availability_zones == 3, "Pulumi hands numbers to programs as strings"


def test_objects_given_as_json_strings_are_decoded() -> None:
    s = _settings(**{"mlinfra:tags": '{"owner": "ml-platform"}'})
    assert s.tags == {"owner": "ml-platform"}
    assert s.base_tags["owner"] == "ml-platform"


def test_prod_stack_file_adds_tags() -> None:
    assert load_settings("prod").base_tags["data-classification"] == "confidential"


def test_unknown_key_is_rejected_with_its_path() -> None:
    msg = _error(**{"mlinfra:availablity_zones": 2})
    assert "stacks/Pulumi.test.yaml: mlinfra:availablity_zones: unknown field" in msg


def test_unknown_nested_key_is_rejected_with_its_path() -> None:
    msg = _error(**{"mlinfra:system_node_group": {"max": 3}})
    assert "mlinfra:system_node_group.max: unknown field" in msg


def test_wrong_type_names_the_field() -> None:
    assert "mlinfra:availability_zones: Input should be a valid integer" in _error(**{"mlinfra:availability_zones": "two"})


def test_unknown_namespace_is_rejected() -> None:
    assert "mlinfra-typo:x: unknown config namespace 'mlinfra-typo'" in _error(**{"mlinfra-typo:x": 1})


def test_key_without_namespace_is_rejected() -> None:
    assert "region: config keys are namespaced" in _error(region="us-west-2")


def test_environment_is_required_and_checked() -> None:
    msg = _error(**{"mlinfra:environment": "qa"})
    assert "mlinfra:environment: must be one of ['dev', 'prod', 'staging'], got 'qa'" in msg


def test_region_is_required() -> None:
    with pytest.raises(ConfigError, match="aws:region: is required"):
        settings_from_config({"mlinfra:environment": "dev"}, stack="t", source="f.yaml")


def test_unsupported_region_lists_the_supported_ones() -> None:
    assert "region: must be one of ['ap-northeast-1'" in _error(**{"aws:region": "mars-1"})


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


def test_service_cidr_overlapping_the_vpc_is_rejected() -> None:
    msg = _error(**{"mlinfra:vpc_cidr": "172.20.0.0/16"})
    assert "mlinfra:service_cidr: 172.20.0.0/16 overlaps vpc_cidr 172.20.0.0/16" in msg


def test_min_greater_than_max_is_rejected() -> None:
    msg = _error(**{"mlinfra:system_node_group": {"min_size": 4, "max_size": 3, "desired_size": 3}})
    assert "mlinfra:system_node_group: min_size (4) must be <= max_size (3)" in msg


def test_desired_outside_min_max_is_rejected() -> None:
    msg = _error(**{"mlinfra:system_node_group": {"desired_size": 9}})
    assert "desired_size (9) must be between min_size (2) and max_size (3)" in msg


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


def test_required_tags_cannot_be_overridden() -> None:
    assert "may not set the required tags ['environment']" in _error(**{"mlinfra:tags": {"environment": "x"}})


def test_stack_and_region_are_not_settings() -> None:
    assert "mlinfra:region: is not a setting; it comes from aws:region" in _error(**{"mlinfra:region": "us-east-1"})


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        _settings(**{"mlinfra:vpc_cidr": "8.8.0.0/16", "mlinfra:kubernetes_version": "1.0", "mlinfra:bogus": 1})
    fields = [p.field for p in info.value.problems]
    assert fields == sorted(fields) and len(fields) == 3, fields


def test_stack_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:oops": 1}}))
    with pytest.raises(ConfigError) as info:
        load_settings("x", stack_file=path)
    assert str(info.value) == f"{path}: mlinfra:oops: unknown field; check the spelling against the settings table in the README"


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: [unclosed\n")
    with pytest.raises(ConfigError, match=r"line \d+: malformed YAML"):
        load_settings("x", stack_file=path)


def test_stack_file_must_be_a_map(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="a stack file is a YAML map with a 'config:' key"):
        load_settings("x", stack_file=path)


def test_missing_stack_file_lists_known_stacks() -> None:
    with pytest.raises(ConfigError, match="stack file not found; stacks here: dev, prod, staging"):
        load_settings("nope")


def test_every_setting_is_documented_in_the_readme() -> None:
    from stacks.settings import Settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    not_keys = {"stack", "environment", "region", "teams"}  # not mlinfra:<field> keys, or documented apart
    missing = [f for f in Settings.model_fields if f not in not_keys and f"`mlinfra:{f}`" not in readme]
    assert not missing, f"settings missing from the README settings table: {missing}"


def test_cost_center_must_be_tag_safe() -> None:
    assert "mlinfra:cost_center: String should match pattern" in _error(**{"mlinfra:cost_center": "ml platform!"})


def test_cluster_name_must_be_an_eks_name() -> None:
    assert "mlinfra:cluster_name: String should match pattern" in _error(**{"mlinfra:cluster_name": "1-bad"})


def test_kms_deletion_window_is_bounded_by_kms() -> None:
    assert "mlinfra:kms_deletion_window_days: Input should be less than or equal to 30" in _error(
        **{"mlinfra:kms_deletion_window_days": 90}
    )


def test_admin_roles_must_be_role_arns() -> None:
    msg = _error(**{"mlinfra:admin_role_arns": ["arn:aws:iam::123456789012:user/alice"]})
    assert "mlinfra:admin_role_arns: must be IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admin" in msg
    ok = _settings(**{"mlinfra:admin_role_arns": ["arn:aws:iam::123456789012:role/platform/admin"]})
    assert ok.admin_role_arns == ("arn:aws:iam::123456789012:role/platform/admin",)


def test_tag_keys_follow_aws_limits() -> None:
    assert "tag key 'aws:owner' must be 1-128 characters and must not start with 'aws:'" in _error(
        **{"mlinfra:tags": {"aws:owner": "x"}}
    )
    assert "tag 'owner': values are at most 256 characters, got 300" in _error(**{"mlinfra:tags": {"owner": "x" * 300}})


def test_unknown_top_level_key_in_stack_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config: {}\nconfg: {}\n")
    with pytest.raises(ConfigError, match="confg: unknown top-level key; a stack file holds 'config:'"):
        load_settings("x", stack_file=path)


def test_config_must_be_a_map(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config: [a, b]\n")
    with pytest.raises(ConfigError, match="config: must be a map of 'namespace:key: value'"):
        load_settings("x", stack_file=path)


def test_unreadable_stack_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read: Is a directory"):
        load_settings("x", stack_file=tmp_path)


def test_unquoted_kubernetes_version_says_to_quote_it() -> None:
    msg = _error(**{"mlinfra:kubernetes_version": 1.35})
    assert 'mlinfra:kubernetes_version: write the version as a quoted string, e.g. "1.35" (YAML read 1.35 as a number)' in msg


def test_bad_region_names_the_aws_key() -> None:
    msg = _error(**{"aws:region": "mars-1"})
    assert "stacks/Pulumi.test.yaml: aws:region: must be one of" in msg and "mlinfra:region" not in msg


def test_missing_environment_is_required() -> None:
    with pytest.raises(ConfigError, match=r"mlinfra:environment: is required; one of \['dev', 'prod', 'staging'\]"):
        settings_from_config({"aws:region": "us-west-2"}, stack="t", source="f.yaml")


def test_duplicate_key_in_stack_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:environment: prod\n")
    with pytest.raises(ConfigError, match=r"line 4: duplicate key 'mlinfra:environment'"):
        load_settings("x", stack_file=path)


def test_missing_explicit_stack_file_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="stack file not found; start one from stacks/Pulumi.dev.yaml"):
        load_settings("x", stack_file=tmp_path / "nope.yaml")
