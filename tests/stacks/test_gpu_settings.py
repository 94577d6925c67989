"""GPU pool, GPU Operator and autoscaler settings: defaults, replacement, and every error message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.errors import ConfigError
from stacks.loading import load_settings, settings_from_config
from stacks.settings import ENVIRONMENT_DEFAULTS
from tests.stacks.support import RECEIVERS

SOURCE = "stacks/Pulumi.prod.yaml"
ROOT = Path(__file__).resolve().parents[2]


def prod(region: str = "us-east-1", **overrides: Any):
    config = {"aws:region": region, "mlinfra:environment": "prod", **RECEIVERS}
    config.update({f"mlinfra:{k}": v for k, v in overrides.items()})
    return settings_from_config(config, stack="prod", source=SOURCE)


def problems(region: str = "us-east-1", **overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        prod(region, **overrides)
    return [str(p) for p in info.value.problems]


def pool(**fields: Any) -> dict[str, Any]:
    return {"instance_types": ["g6.xlarge"], "max_size": 2, **fields}


@pytest.mark.parametrize("stack,capacity", [("dev", 2), ("staging", 4), ("prod", 8 * 8 + 10 * 1)])
def test_gpu_capacity_is_max_size_times_gpus_per_node(stack: str, capacity: int) -> None:
    assert load_settings(stack).gpu_capacity() == capacity


def test_gpu_capacity_uses_the_largest_type_of_a_pool() -> None:
    settings = prod(gpu_node_groups={"mixed": pool(instance_types=["g5.xlarge", "g5.12xlarge"], max_size=3)})
    assert settings.gpu_capacity() == 3 * 4


def test_default_pools_per_environment() -> None:
    assert list(load_settings("dev").gpu_node_groups) == ["gpu"]
    dev = load_settings("dev").gpu_node_groups["gpu"]
    assert (dev.capacity_type, dev.min_size, dev.max_size, dev.instance_types) == ("SPOT", 0, 2, ("g5.xlarge",))
    prod_pools = load_settings("prod").gpu_node_groups
    assert set(prod_pools) == {"training", "inference"}
    assert prod_pools["training"].capacity_type == "ON_DEMAND" and prod_pools["training"].max_size == 8
    assert prod_pools["inference"].max_size == 10


def test_a_stack_file_that_lists_pools_replaces_the_default_pools() -> None:
    settings = prod(gpu_node_groups={"serving": pool()})
    assert list(settings.gpu_node_groups) == ["serving"], "default prod pools must not be merged in"
    assert ENVIRONMENT_DEFAULTS["prod"]["gpu_node_groups"].keys() == {"training", "inference"}


def test_pools_defaults() -> None:
    p = prod(gpu_node_groups={"serving": pool()}).gpu_node_groups["serving"]
    assert p.ami_type == "AL2023_x86_64_NVIDIA"
    assert (p.capacity_type, p.min_size, p.initial_size, p.efa, p.capacity_reservation_id) == ("ON_DEMAND", 0, 0, False, None)


def test_bottlerocket_and_capacity_block_are_allowed() -> None:
    p = prod(
        region="us-east-2",
        gpu_node_groups={
            "h200": pool(
                instance_types=["p5e.48xlarge"],
                ami_type="BOTTLEROCKET_x86_64_NVIDIA",
                capacity_type="CAPACITY_BLOCK",
                capacity_reservation_id="cr-0123456789abcdef0",
                efa=True,
            )
        },
    ).gpu_node_groups["h200"]
    assert p.ami_type == "BOTTLEROCKET_x86_64_NVIDIA" and p.capacity_type == "CAPACITY_BLOCK"


@pytest.mark.parametrize(
    "bad_pool,region,expected",
    [
        (
            pool(instance_types=["m6i.large"]),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types[0]: 'm6i.large' is not a GPU instance type",
        ),
        (
            pool(instance_types=["g5.xlarge", "g6.xlarge"]),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types: mixes GPU models ['A10G', 'L4']",
        ),
        (
            pool(min_size=3, max_size=2),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.min_size: (3) must be <= max_size (2)",
        ),
        (
            pool(min_size=-1),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.min_size: Input should be greater than or equal to 0",
        ),
        (
            pool(max_size=-1),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.max_size: Input should be greater than or equal to 1",
        ),
        (
            pool(desired_size=-1),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.desired_size: Input should be greater than or equal to 0",
        ),
        (
            pool(disk_size_gb=20),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.disk_size_gb: Input should be greater than or equal to 50",
        ),
        (
            pool(desired_size=5),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.desired_size: (5) must be between min_size (0) and max_size (2)",
        ),
        (
            pool(instance_types=["g6.xlarge"]),
            "eu-west-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types[0]: g6.xlarge is not offered in eu-west-1",
        ),
        (
            pool(instance_types=["g5.xlarge"], efa=True),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types[0]: g5.xlarge has no EFA interface but efa is true; "
            "EFA types of g5: g5.12xlarge, g5.16xlarge, g5.24xlarge, g5.48xlarge, g5.8xlarge",
        ),
        (
            pool(capacity_type="CAPACITY_BLOCK"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.capacity_reservation_id: is required when capacity_type is CAPACITY_BLOCK",
        ),
        (
            pool(
                capacity_type="CAPACITY_BLOCK",
                capacity_reservation_id="cr-0123456789abcdef0",
                instance_types=["g6.xlarge", "g6.2xlarge"],
            ),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types: a Capacity Block reserves one instance type",
        ),
        (
            pool(capacity_type="SPOT", capacity_reservation_id="cr-0123456789abcdef0"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.capacity_reservation_id: a capacity reservation is not used by SPOT",
        ),
        (
            pool(capacity_reservation_id="odcr-1"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.capacity_reservation_id: must be an EC2 capacity reservation ID such as cr-",
        ),
        (
            pool(capacity_type="RESERVED"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.capacity_type: must be one of 'ON_DEMAND', 'SPOT' or 'CAPACITY_BLOCK'",
        ),
        (
            pool(ami_type="AL2023_x86_64_STANDARD"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.ami_type: must be one of 'AL2023_x86_64_NVIDIA' or 'BOTTLEROCKET_x86_64_NVIDIA'",
        ),
        (
            pool(labels={"mlinfra.io/gpu-pool": "other"}),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.labels: label 'mlinfra.io/gpu-pool' is reserved",
        ),
        (
            pool(labels={"team": "has space"}),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.labels: label 'team': value 'has space' is not a valid Kubernetes label value",
        ),
        (
            pool(labels={"a" * 83: "x"}),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.labels: label key '{'a' * 57}...' (83 characters) is longer than 82 characters",
        ),
        (
            pool(labels={"-team": "x"}),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.labels: label key '-team' is not a valid Kubernetes label key",
        ),
        (
            pool(labels={"team": 1}),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.labels.team: Input should be a valid string",
        ),
        (
            pool(instance_types="g6.xlarge"),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.instance_types: Input should be a valid tuple",
        ),
        (
            None,
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training: Input should be a valid dictionary",
        ),
        (
            pool(disk=100),
            "us-east-1",
            f"{SOURCE}: mlinfra:gpu_node_groups.training.disk: unknown field",
        ),
    ],
    ids=[
        "not-gpu",
        "mixed-models",
        "min-gt-max",
        "negative",
        "negative-max",
        "negative-desired",
        "disk-too-small",
        "desired",
        "region",
        "efa",
        "block-needs-id",
        "block-one-type",
        "spot-reservation",
        "reservation-pattern",
        "capacity-type",
        "ami-type",
        "reserved-label",
        "label-value",
        "label-key-length",
        "label-key-syntax",
        "label-value-type",
        "types-not-a-list",
        "pool-null",
        "unknown-field",
    ],
)
def test_bad_pool_is_rejected_naming_file_pool_and_field(bad_pool: dict[str, Any] | None, region: str, expected: str) -> None:
    found = problems(region, gpu_node_groups={"training": bad_pool})
    assert any(p.startswith(expected) for p in found), f"expected {expected!r} in {found}"


def test_bad_pool_name_is_rejected() -> None:
    found = problems(gpu_node_groups={"Training_Pool": pool()})
    assert any(
        "mlinfra:gpu_node_groups.Training_Pool: must be a pool name: 1-20 lowercase letters, digits and '-', starting with a letter, got 'Training_Pool'"
        in p
        for p in found
    ), found


@pytest.mark.parametrize(
    "key,value,expected",
    [
        (
            "gpu_operator",
            {"time_slicing_replicas": 0},
            "mlinfra:gpu_operator.time_slicing_replicas: Input should be greater than or equal to 1",
        ),
        ("gpu_operator", {"mig_strategy": "all"}, "mlinfra:gpu_operator.mig_strategy: must be one of 'single' or 'mixed'"),
        ("cluster_autoscaler", {"expander": "price"}, "mlinfra:cluster_autoscaler.expander: must be one of"),
        (
            "cluster_autoscaler",
            {"scale_down_unneeded_time": "ten minutes"},
            "mlinfra:cluster_autoscaler.scale_down_unneeded_time: must be a duration such as",
        ),
        (
            "cluster_autoscaler",
            {"scale_down_gpu_utilization_threshold": 1.5},
            "mlinfra:cluster_autoscaler.scale_down_gpu_utilization_threshold: Input should be less than or equal to 1",
        ),
    ],
)
def test_bad_operator_and_autoscaler_settings(key: str, value: dict[str, Any], expected: str) -> None:
    found = problems(**{key: value})
    assert any(p.startswith(f"{SOURCE}: {expected}") for p in found), f"expected {expected!r} in {found}"


def test_operator_and_autoscaler_defaults() -> None:
    settings = load_settings("prod")
    assert settings.gpu_operator.time_slicing_replicas == 1, "time-slicing is off by default"
    assert settings.gpu_operator.enable_mig is False
    assert settings.gpu_operator.enable_dcgm_service_monitor is False
    assert settings.cluster_autoscaler.expander == "least-waste"


def test_cli_exits_2_with_the_pool_and_field_on_a_bad_pool(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-east-1\n  mlinfra:environment: prod\n"
        "  mlinfra:gpu_node_groups:\n    training:\n      instance_types: [m6i.large]\n      max_size: 2\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mlinfra", "plan", "--stack", "prod", "--stack-file", str(stack_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "mlinfra:gpu_node_groups.training.instance_types[0]: 'm6i.large' is not a GPU instance type" in result.stderr
    assert "Traceback" not in result.stderr


def test_pool_labels_that_push_the_node_group_past_50_tags() -> None:
    labels = {f"example.com/l{i}": "x" for i in range(40)}
    pool = {"instance_types": ["g5.xlarge"], "max_size": 2, "labels": labels}
    with pytest.raises(ConfigError) as info:
        settings_from_config(
            {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:gpu_node_groups": {"big": pool}},
            stack="dev",
            source="s.yaml",
        )
    assert "s.yaml: mlinfra:gpu_node_groups.big.labels: this pool's node group would carry 52 tags (AWS allows 50)" in str(
        info.value
    )


def test_an_efa_pool_counts_its_efa_template_tag() -> None:
    # 3 base tags + 9 platform tags + 38 labels = 50, AWS's limit; the EFA resource template is one more.
    labels = {f"example.com/l{i}": "x" for i in range(38)}

    def load(efa: bool) -> Any:
        pool = {"instance_types": ["g5.8xlarge"], "max_size": 2, "labels": labels, "efa": efa}
        config = {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:gpu_node_groups": {"big": pool}}
        return settings_from_config(config, stack="dev", source="s.yaml")

    assert load(efa=False).gpu_node_groups["big"].labels == labels
    with pytest.raises(ConfigError) as info:
        load(efa=True)
    assert "s.yaml: mlinfra:gpu_node_groups.big.labels: this pool's node group would carry 51 tags (AWS allows 50)" in str(
        info.value
    )
