"""The platform/tenants split settings: off by default, one message per mistake."""

from __future__ import annotations

import pytest

from stacks.settings import ENVIRONMENT_DEFAULTS
from tests.stacks.support import _error, _settings


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_split_is_off_by_default(environment: str) -> None:
    assert ENVIRONMENT_DEFAULTS[environment]["split"] is False
    assert ENVIRONMENT_DEFAULTS[environment]["tenants_of"] is None


def test_a_tenants_stack_names_resources_after_its_platform_stack() -> None:
    tenants = _settings(**{"mlinfra:tenants_of": "acme/mlinfra/dev"})
    assert tenants.naming_stack == "dev" and tenants.effective_cluster_name == "mlinfra-dev"
    assert tenants.effective_bucket_prefix == "mlinfra-dev"
    assert _settings().naming_stack == "test" and _settings(**{"mlinfra:split": True}).split is True


def test_a_stack_is_not_both_halves() -> None:
    message = _error(**{"mlinfra:split": True, "mlinfra:tenants_of": "dev"})
    assert "stacks/Pulumi.test.yaml: mlinfra:tenants_of: a stack is either the platform half" in message


def test_tenants_of_is_a_stack_name() -> None:
    assert "stacks/Pulumi.test.yaml: mlinfra:tenants_of: must be a stack name, <project>/<stack> or" in _error(
        **{"mlinfra:tenants_of": "a b"}
    )
