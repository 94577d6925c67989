"""Settings of the data lake (``mlinfra:data_lake``): defaults per environment, overrides,
and one test per error message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.data_lake_settings import DataLakeSettings
from stacks.errors import ConfigError
from stacks.loading import load_settings, settings_from_config
from stacks.settings import ENVIRONMENT_DEFAULTS
from tests.stacks.support import RECEIVERS

SOURCE = "stacks/Pulumi.test.yaml"


def _settings(environment: str = "dev", stack: str = "test", **config: Any):
    base = {"aws:region": "us-west-2", "mlinfra:environment": environment}
    base.update(config)
    return settings_from_config(base, stack=stack, source=SOURCE)


def _lake_error(lake: dict[str, Any], environment: str = "dev", **config: Any) -> str:
    with pytest.raises(ConfigError) as info:
        _settings(environment, **{"mlinfra:data_lake": lake}, **config)
    return str(info.value)


@pytest.mark.parametrize(
    "stack,force_destroy,days",
    [("dev", True, (30, 60, 7, 30)), ("staging", False, (30, 90, 30, 90)), ("prod", False, (90, 180, 90, 365))],
)
def test_each_environment_has_its_lake_defaults(stack: str, force_destroy: bool, days: tuple[int, ...]) -> None:
    lake = load_settings(stack).data_lake
    assert lake.zones == ("raw", "curated", "features", "models")
    assert lake.tiering_zones == ("raw",)
    assert lake.force_destroy is force_destroy
    assert (lake.raw_to_ia_days, lake.raw_to_glacier_ir_days, lake.noncurrent_expiry_days, lake.log_retention_days) == days
    assert load_settings(stack).effective_bucket_prefix == f"mlinfra-{stack}"


def test_overrides_merge_into_the_lake_defaults() -> None:
    lake = _settings(**{"mlinfra:data_lake": {"noncurrent_expiry_days": 14, "zones": ["raw", "gold"]}}).data_lake
    assert lake.noncurrent_expiry_days == 14
    assert lake.zones == ("raw", "gold")
    assert lake.raw_to_ia_days == ENVIRONMENT_DEFAULTS["dev"]["data_lake"]["raw_to_ia_days"]


def test_lake_given_as_json_string_is_decoded() -> None:
    lake = _settings(**{"mlinfra:data_lake": '{"log_retention_days": 400}'}).data_lake
    assert lake.log_retention_days == 400


def test_aws_minimum_lifecycle_days_are_accepted() -> None:
    lake = _settings(**{"mlinfra:data_lake": {"raw_to_ia_days": 30, "raw_to_glacier_ir_days": 60}}).data_lake
    assert (lake.raw_to_ia_days, lake.raw_to_glacier_ir_days) == (30, 60)


def test_bucket_prefix_defaults_to_a_dns_safe_stack_name() -> None:
    # The cluster name is set: "mlinfra-Team_A.dev" would not be a valid EKS name (tests/stacks/test_cluster_settings.py).
    assert _settings(stack="Team_A.dev", **{"mlinfra:cluster_name": "team-a"}).effective_bucket_prefix == "mlinfra-team-a-dev"
    assert _settings(**{"mlinfra:data_lake": {"bucket_prefix": "acme-ml"}}).effective_bucket_prefix == "acme-ml"


def test_prod_may_not_force_destroy() -> None:
    msg = _lake_error({"force_destroy": True}, environment="prod")
    assert (
        f"{SOURCE}: mlinfra:data_lake.force_destroy: prod never sets force_destroy: its buckets are protected and "
        "retained; remove it from the stack file"
    ) in msg


def test_force_destroy_with_protection_is_rejected() -> None:
    msg = _lake_error({"force_destroy": True}, environment="staging", **{"mlinfra:enable_protection": True})
    assert (f"{SOURCE}: mlinfra:data_lake.force_destroy: cannot be true together with mlinfra:enable_protection: true") in msg


@pytest.mark.parametrize(
    "zones,message",
    [
        (["raw", "Curated"], "mlinfra:data_lake.zones: zone name 'Curated' is not DNS-safe: 1-20 characters of a-z"),
        (["raw", "cur_ated"], "zone name 'cur_ated' is not DNS-safe"),
        (["raw", "-raw"], "zone name '-raw' is not DNS-safe"),
        (["raw", "x" * 21], f"zone name '{'x' * 21}' is not DNS-safe"),
        (["raw", "raw"], "mlinfra:data_lake.zones: zone names must be unique; repeated: ['raw']"),
        (["raw", "access-logs"], "mlinfra:data_lake.zones: zone name 'access-logs' is reserved for the access-log bucket"),
        ([], "mlinfra:data_lake.zones: at least one zone is required"),
    ],
)
def test_zone_names_must_be_dns_safe_unique_and_not_reserved(zones: list[str], message: str) -> None:
    assert message in _lake_error({"zones": zones, "tiering_zones": []})


def test_tiering_zones_must_be_zones() -> None:
    msg = _lake_error({"zones": ["bronze", "silver"]})
    assert "mlinfra:data_lake.tiering_zones: ['raw'] are not zones; allowed: ['bronze', 'silver']" in msg
    assert _settings(**{"mlinfra:data_lake": {"zones": ["bronze"], "tiering_zones": ["bronze"]}}).data_lake.tiering_zones == (
        "bronze",
    )


def test_standard_ia_before_30_days_is_rejected() -> None:
    msg = _lake_error({"raw_to_ia_days": 29})
    assert (
        "mlinfra:data_lake.raw_to_ia_days: S3 transitions to STANDARD_IA no earlier than 30 days after creation; got 29"
    ) in msg


def test_glacier_ir_less_than_30_days_after_standard_ia_is_rejected() -> None:
    msg = _lake_error({"raw_to_ia_days": 45, "raw_to_glacier_ir_days": 74})
    assert (
        "mlinfra:data_lake.raw_to_glacier_ir_days: must be at least raw_to_ia_days + 30 = 75 "
        "(S3 keeps objects 30 days in STANDARD_IA before GLACIER_IR); got 74"
    ) in msg


@pytest.mark.parametrize("field", ["noncurrent_expiry_days", "log_retention_days"])
def test_retention_days_must_be_positive(field: str) -> None:
    assert f"mlinfra:data_lake.{field}: must be >= 1 day; got 0" in _lake_error({field: 0})


def test_bad_bucket_prefix_is_rejected() -> None:
    msg = _lake_error({"bucket_prefix": "Acme.ML"})
    assert "mlinfra:data_lake.bucket_prefix: bucket prefix 'Acme.ML' must be lowercase a-z, 0-9 and '-'" in msg


def test_bucket_names_longer_than_s3_allows_are_rejected() -> None:
    msg = _lake_error({"bucket_prefix": "a" * 30})
    assert (
        "mlinfra:data_lake.bucket_prefix: bucket name for 'access-logs' would be 65 characters "
        "(<prefix>-access-logs-<account>-us-west-2); S3 allows 63"
    ) in msg


def test_unknown_lake_key_is_rejected_with_its_path() -> None:
    assert "mlinfra:data_lake.force_destory: unknown field" in _lake_error({"force_destory": True})


def test_stack_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    config = {"aws:region": "us-east-1", "mlinfra:environment": "prod", "mlinfra:data_lake": {"force_destroy": True}, **RECEIVERS}
    path.write_text(yaml.safe_dump({"config": config}))
    with pytest.raises(ConfigError) as info:
        load_settings("prod", stack_file=path)
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "mlinfra:data_lake.force_destroy")


def test_every_lake_setting_is_in_the_readme_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:data-lake -->")[1].split("<!-- /section:data-lake -->")[0]
    missing = [f for f in DataLakeSettings.model_fields if f"| `{f}` |" not in section]
    assert not missing, f"mlinfra:data_lake keys missing from the README data lake table: {missing}"


# -- disaster recovery (replicated_zones, replica_region) ---------------------------------------
def test_prod_replicates_raw_and_models_to_the_default_pairing_and_dev_staging_nothing() -> None:
    from stacks.data_lake_settings import data_lake_args

    prod = load_settings("prod")
    assert prod.data_lake.replicated_zones == ("raw", "models") and prod.data_lake.replica_region == ""
    args = data_lake_args(prod, account_id="123456789012")
    assert (args.replicated_zones, args.region, args.replica_region) == (("raw", "models"), "us-east-1", "us-west-2")
    for stack in ("dev", "staging"):
        lake = load_settings(stack).data_lake
        assert lake.replicated_zones == () and data_lake_args(load_settings(stack), account_id="1").replica_region == "", stack


def test_replicated_zones_must_be_zones_listed_once() -> None:
    msg = _lake_error({"replicated_zones": ["raw", "gold"]})
    assert "mlinfra:data_lake.replicated_zones: ['gold'] are not zones; allowed: ['raw', 'curated', 'features', 'models']" in msg
    assert "list each zone once; repeated: ['raw']" in _lake_error({"replicated_zones": ["raw", "raw"]})
    # Prod's default (raw, models) must still name zones when the zones change.
    assert "mlinfra:data_lake.replicated_zones: ['models', 'raw'] are not zones" in _lake_error(
        {"zones": ["bronze"], "tiering_zones": []}, environment="prod"
    )


def test_replica_region_must_be_known_and_another_region() -> None:
    assert "mlinfra:data_lake.replica_region: must be one of ['ap-northeast-1'" in _lake_error(
        {"replicated_zones": ["raw"], "replica_region": "mars-1"}
    )
    msg = _lake_error({"replicated_zones": ["raw"], "replica_region": "us-west-2"})
    assert "mlinfra:data_lake.replica_region: must differ from the stack's region 'us-west-2'" in msg
    ok = _settings(**{"mlinfra:data_lake": {"replicated_zones": ["raw"], "replica_region": "eu-west-1"}})
    assert ok.data_lake.replica_region == "eu-west-1"


def test_default_pairing_names_itself_when_it_cannot_be_used() -> None:
    from components.catalog.regions import DEFAULT_REPLICA_REGION, REGIONS, REPLICA_REGIONS

    assert set(DEFAULT_REPLICA_REGION) == set(REGIONS)
    assert all(r in REPLICA_REGIONS and r != src for src, r in DEFAULT_REPLICA_REGION.items())
    # A 20-character zone whose names fit eu-west-1 (63 characters) but not its pair eu-central-1 (66).
    zone = "z" * 20
    msg = _lake_error(
        {"bucket_prefix": "p" * 19, "replicated_zones": [zone], "zones": [zone], "tiering_zones": []},
        **{"aws:region": "eu-west-1"},
    )
    assert f"mlinfra:data_lake.replica_region: bucket name for '{zone}' would be 66 characters" in msg and "eu-central-1" in msg
    assert "(the default pairing of eu-west-1; set mlinfra:data_lake.replica_region)" in msg
