"""mlinfra/policy_config.py: policy config files read like the Pulumi CLI reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from mlinfra.policy_config import load_config, reconcile
from stacks.errors import ConfigError


def test_schema_defaults_then_all_then_per_policy_values() -> None:
    config = {"all": "advisory", "aws-kms-key-deletion-window": {"enforcementLevel": "mandatory", "minDeletionWindowDays": 14}}
    result = reconcile(config, source="c.json")
    assert result["aws-kms-key-deletion-window"] == (EnforcementLevel.MANDATORY, {"minDeletionWindowDays": 14.0})
    assert result["mlinfra-gpu-budget"] == (EnforcementLevel.ADVISORY, {"maxGpus": 16.0}), "schema default, 'all' level"
    assert isinstance(result["aws-kms-key-deletion-window"][1]["minDeletionWindowDays"], float), "numbers cross gRPC as floats"
    assert reconcile({}, source="c.json")["aws-s3-bucket-require-versioning"][0] == EnforcementLevel.MANDATORY


@pytest.mark.parametrize(
    ("config", "field", "text"),
    [
        ({"aws-s3-bucket-tls-only": "mandatory"}, "aws-s3-bucket-tls-only", "unknown policy"),
        ({"mlinfra-gpu-budget": {"maxGpus": "many"}}, "mlinfra-gpu-budget.maxGpus", "is not of type 'integer'"),
        (
            {"aws-kms-key-deletion-window": {"minDeletionWindowDays": 3}},
            "aws-kms-key-deletion-window.minDeletionWindowDays",
            "less than the minimum",
        ),
        ({"mlinfra-gpu-budget": {"maxGPUs": 4}}, "mlinfra-gpu-budget.maxGPUs", "unknown config property"),
        ({"aws-kms-key-rotation-enabled": {"enabled": True}}, "aws-kms-key-rotation-enabled.enabled", "only enforcementLevel"),
        ({"all": "blocking"}, "all", "not an enforcement level"),
        ({"mlinfra-gpu-budget": {"enforcementLevel": "hard"}}, "mlinfra-gpu-budget.enforcementLevel", "not an enforcement level"),
        ({"mlinfra-gpu-budget": 4}, "mlinfra-gpu-budget", "enforcement level string or an object"),
        ({"all": {"maxGpus": 4}}, "all.maxGpus", "only an enforcement level"),
        # jsonschema ignores `format` unless asked: a date must be a real calendar date.
        (
            {"aws-eks-cluster-supported-version": {"asOf": "2030-13-01"}},
            "aws-eks-cluster-supported-version.asOf",
            "must be a date YYYY-MM-DD, got '2030-13-01'",
        ),
        (
            {"aws-eks-cluster-supported-version": {"asOf": "2030-02-30"}},
            "aws-eks-cluster-supported-version.asOf",
            "must be a date YYYY-MM-DD, got '2030-02-30'",
        ),
        (
            {"aws-eks-cluster-supported-version": {"asOf": "2030-1-1"}},
            "aws-eks-cluster-supported-version.asOf",
            "must be a date YYYY-MM-DD, got '2030-1-1'",
        ),
    ],
)
def test_bad_config_names_the_file_and_key(config: dict, field: str, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        reconcile(config, source="policies/config/x.json")
    problems = [(p.file, p.field, p.message) for p in info.value.problems]
    assert any(f == "policies/config/x.json" and k == field and text in m for f, k, m in problems), problems


def test_load_config_reports_malformed_json_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "all": "mandatory",\n  oops\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems[0].field == "line 3" and "malformed JSON" in info.value.problems[0].message
    path.write_text("[]")
    with pytest.raises(ConfigError, match="JSON object"):
        load_config(path)
    path.write_text("  \n")
    assert load_config(path) == {}, "the CLI treats an empty file as no config"


def test_a_bad_date_is_one_problem_not_a_pattern_and_a_format_error() -> None:
    with pytest.raises(ConfigError) as info:
        reconcile({"aws-eks-cluster-supported-version": {"asOf": "30-1-1"}}, source="c.json")
    assert [str(p) for p in info.value.problems] == [
        "c.json: aws-eks-cluster-supported-version.asOf: must be a date YYYY-MM-DD, got '30-1-1'"
    ]
    assert reconcile({"aws-eks-cluster-supported-version": {"asOf": "2028-02-29"}}, source="c.json")[
        "aws-eks-cluster-supported-version"
    ][1] == {"asOf": "2028-02-29"}, "a leap day is a date"


def test_load_config_names_the_shipped_files_by_path_when_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.json")
    message = info.value.problems[0].message
    assert "policy config file not found" in message
    assert "policies/config/dev.json" in message and "policies/config/prod.json" in message, message


def test_load_config_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [f"{path}: -: not UTF-8 text (byte 0)"]
