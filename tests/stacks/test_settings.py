"""Settings: the defaults each environment gets, and every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.loading import load_settings


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


def test_every_setting_is_documented_in_the_readme() -> None:
    from stacks.settings import Settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    not_keys = {"stack", "environment", "region", "teams"}  # not mlinfra:<field> keys, or documented apart
    missing = [f for f in Settings.model_fields if f not in not_keys and f"`mlinfra:{f}`" not in readme]
    assert not missing, f"settings missing from the README settings table: {missing}"
