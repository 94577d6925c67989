"""Loading a stack file: overrides, decoding, unknown keys, file errors, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacks.errors import ConfigError
from stacks.loading import load_settings, read_stack_file, settings_from_config
from stacks.settings import ENVIRONMENT_DEFAULTS
from tests.stacks.support import _error, _settings


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


@pytest.mark.parametrize(
    "config,field,message",
    [
        ({"mlinfra:environment": ["dev"]}, "mlinfra:environment", "must be one of ['dev', 'prod', 'staging'], got ['dev']"),
        ({"mlinfra:environment": {"a": 1}}, "mlinfra:environment", "must be one of ['dev', 'prod', 'staging'], got {'a': 1}"),
        ({42: "answer"}, "42", "config keys are text such as mlinfra:availability_zones"),
        ({None: "x"}, "None", "config keys are text such as mlinfra:availability_zones"),
    ],
)
def test_odd_shapes_are_config_errors_not_crashes(config: dict, field: str, message: str) -> None:
    base = {"aws:region": "us-west-2", "mlinfra:environment": "dev"}
    with pytest.raises(ConfigError) as info:
        settings_from_config({**base, **config}, stack="test", source="stacks/Pulumi.test.yaml")
    assert f"stacks/Pulumi.test.yaml: {field}: {message}" in str(info.value)


def test_mixed_top_level_key_types_in_a_stack_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: us-west-2\n7: seven\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="7: unknown top-level key; a stack file holds 'config:'"):
        read_stack_file(path, explicit=True)


def test_a_yaml_bomb_in_a_stack_file_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["config:", "  aws:region: us-west-2", "  mlinfra:environment: dev", '  a0: &a0 ["x","x","x","x","x","x","x","x"]']
    lines += [f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 8) + "]" for i in range(1, 9)]
    path = tmp_path / "Pulumi.bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line \d+: expands to more than 100000 values"):
        read_stack_file(path, explicit=True)


def test_problems_sort_naturally() -> None:
    from stacks.errors import Problem

    found = ConfigError(
        [Problem("a.yaml", f"owners[{i}]", "x") for i in (10, 2, 1)]
        + [Problem("a.yaml", "line 10", "y"), Problem("a.yaml", "line 9", "y")]
    )
    assert [p.field for p in found.problems] == ["line 9", "line 10", "owners[1]", "owners[2]", "owners[10]"]


def test_problems_sort_with_digits_int_cannot_read() -> None:
    """A superscript is a digit to str.isdigit but not to int(): found by tests/stacks/test_teams_fuzz.py."""
    from stacks.errors import Problem

    found = ConfigError([Problem("a.yaml", "dev.0¹", "x"), Problem("a.yaml", "dev.0", "y")])
    assert [p.field for p in found.problems] == ["dev.0", "dev.0¹"]
