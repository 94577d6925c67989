"""Fuzzing the stack-file loader: any text or shape gives Settings or a ConfigError, never another exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacks.errors import ConfigError
from stacks.loading import read_stack_file, settings_from_config
from stacks.settings import Settings

YAML_ALPHABET = st.sampled_from(list(":-[]{}#&*!|>'\"%@`?,\n\t ") + list("acdefgilmnrsvw019.") + ["\\", "\u00e9", "\x00"])
KEYS = [
    "mlinfra:environment",
    "aws:region",
    "mlinfra:availability_zones",
    "mlinfra:vpc_cidr",
    "mlinfra:gpu_node_groups",
    "mlinfra:data_lake",
    "mlinfra:tags",
    "mlinfra:system_node_group",
    "config",
    "dev",
    "prod",
    "us-west-2",
]
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.sampled_from(KEYS)
shapes = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6) | st.integers(), inner, max_size=5)
    ),
    max_leaves=25,
)


def _settings_or_config_error(call: Any) -> None:
    try:
        result = call()
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must list at least one problem"
        return
    assert isinstance(result, (Settings, dict))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(YAML_ALPHABET, max_size=160))
def test_any_stack_file_text_reads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Pulumi.fuzz.yaml"
    path.write_text("config:\n  " + text, encoding="utf-8", errors="surrogatepass")
    _settings_or_config_error(lambda: read_stack_file(path, explicit=True))


@settings(max_examples=200, deadline=None)
@given(config=st.dictionaries(st.sampled_from(KEYS) | st.integers() | st.none(), shapes, max_size=6))
def test_any_config_shape_validates_or_raises_config_error(config: dict[Any, Any]) -> None:
    _settings_or_config_error(lambda: settings_from_config(config, stack="fuzz", source="Pulumi.fuzz.yaml"))


@settings(max_examples=100, deadline=None)
@given(overrides=st.dictionaries(st.sampled_from(KEYS[2:8]), shapes, max_size=4))
def test_near_valid_configs_validate_or_raise_config_error(overrides: dict[str, Any]) -> None:
    config = {"aws:region": "us-west-2", "mlinfra:environment": "dev", **overrides}
    _settings_or_config_error(lambda: settings_from_config(config, stack="fuzz", source="Pulumi.fuzz.yaml"))


def test_the_fuzzed_text_really_reaches_the_yaml_parser(tmp_path: Path) -> None:
    # Guards the harness: a valid file must load, so the fuzz above exercises real parsing.
    path = tmp_path / "Pulumi.ok.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "us-west-2", "mlinfra:environment": "dev"}}), encoding="utf-8")
    assert read_stack_file(path, explicit=True) == {"aws:region": "us-west-2", "mlinfra:environment": "dev"}
