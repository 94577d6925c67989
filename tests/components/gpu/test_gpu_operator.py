"""GpuOperator and the shared Helm helper, on the recorded plans and the rendered values."""

from __future__ import annotations

import pytest
import yaml

from components.catalog import tokens
from components.gpu.gpu_operator import GPU_OPERATOR_CHART, GpuOperatorArgs, gpu_operator_values
from mlinfra.engine import Plan
from tests._golden import assert_golden_yaml

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"


class _Provider:
    """Stands in for the Kubernetes provider: rendering values never touches it."""


def args(**overrides: object) -> GpuOperatorArgs:
    return GpuOperatorArgs(k8s_provider=_Provider(), **overrides)  # type: ignore[arg-type]


def test_release_pins_the_upstream_chart(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "gpu-operator-release")
    inputs = release.inputs
    assert inputs["chart"] == "gpu-operator" and inputs["version"] == GPU_OPERATOR_CHART.version, release.name
    assert inputs["repositoryOpts"]["repo"] == "https://helm.ngc.nvidia.com/nvidia", release.name
    assert inputs["namespace"] == "gpu-operator" and inputs["atomic"] is True, release.name
    component = prod_plan.get(tokens.GPU_OPERATOR, "gpu-operator")
    assert release.parent == component.urn, f"{release.name} must be parented to its component"


def test_release_values_on_nvidia_amis(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "gpu-operator-release")
    values = release.inputs["values"]
    assert values["driver"]["enabled"] is False, f"{release.name}: the NVIDIA AMI ships the driver"
    assert values["toolkit"]["enabled"] is False, f"{release.name}: the NVIDIA AMI ships the toolkit"
    assert values["devicePlugin"]["enabled"] is True, release.name
    assert "config" not in values["devicePlugin"], f"{release.name}: time-slicing is off by default"
    assert values["gfd"]["enabled"] is True and values["dcgmExporter"]["enabled"] is True, release.name
    assert values["dcgmExporter"]["serviceMonitor"]["enabled"] is False, f"{release.name}: no ServiceMonitor until monitoring"
    assert values["migManager"]["enabled"] is False, f"{release.name}: MIG is off by default"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["daemonsets"]["tolerations"]


def test_namespace_is_created_privileged_before_the_release(prod_plan: Plan) -> None:
    namespace = prod_plan.get(NAMESPACE, "gpu-operator-namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert namespace.inputs["metadata"]["name"] == "gpu-operator", namespace.name
    assert labels["pod-security.kubernetes.io/enforce"] == "privileged", namespace.name
    release = prod_plan.get(RELEASE, "gpu-operator-release")
    assert namespace.urn in release.dependencies, f"{release.name} must wait for {namespace.name}"
    assert release.inputs["createNamespace"] is False, release.name


def test_every_stack_with_gpu_pools_installs_the_operator(any_plan: Plan) -> None:
    assert any_plan.of_type("aws:eks/nodeGroup:NodeGroup"), "every default stack has GPU pools"
    release = any_plan.get(RELEASE, "gpu-operator-release")
    assert release.provider.split("::")[-1].startswith("cluster-k8s"), f"{release.name} must use the cluster's provider"


def test_default_values_match_golden() -> None:
    assert_golden_yaml("helm/gpu-operator.default.yaml", gpu_operator_values(args()))


def test_time_slicing_and_mig_values_match_golden() -> None:
    values = gpu_operator_values(
        args(time_slicing_replicas=4, enable_mig=True, mig_strategy="mixed", enable_dcgm_service_monitor=True)
    )
    assert_golden_yaml("helm/gpu-operator.time-slicing-mig.yaml", values)
    config = yaml.safe_load(values["devicePlugin"]["config"]["data"]["any"])
    assert config["sharing"]["timeSlicing"]["resources"] == [{"name": "nvidia.com/gpu", "replicas": 4}]
    assert config["flags"]["migStrategy"] == "mixed"
    assert values["migManager"]["enabled"] is True and values["mig"]["strategy"] == "mixed"


def test_operator_args_reject_bad_values() -> None:
    with pytest.raises(ValueError, match="time_slicing_replicas must be between 1 and 48, got 0"):
        args(time_slicing_replicas=0)
    with pytest.raises(ValueError, match="mig_strategy must be one of"):
        args(mig_strategy="all")


def _operator_args_for(ami_types: list[str]) -> GpuOperatorArgs:
    from stacks.gpu_settings import gpu_operator_args
    from stacks.loading import settings_from_config

    pools = {f"p{i}": {"instance_types": ["g5.xlarge"], "max_size": 1, "ami_type": ami} for i, ami in enumerate(ami_types)}
    config = {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:gpu_node_groups": pools}
    return gpu_operator_args(settings_from_config(config, stack="dev", source="s.yaml"), k8s_provider=_Provider())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "ami_types,device_plugin",
    [
        (["AL2023_x86_64_NVIDIA"], True),
        (["BOTTLEROCKET_x86_64_NVIDIA"], False),  # the OS runs it on every node
        (["BOTTLEROCKET_x86_64_NVIDIA", "AL2023_x86_64_NVIDIA"], True),  # the Bottlerocket pool's labels say no
    ],
)
def test_the_operator_runs_a_device_plugin_only_where_the_ami_has_none(ami_types: list[str], device_plugin: bool) -> None:
    values = gpu_operator_values(_operator_args_for(ami_types))
    assert values["devicePlugin"]["enabled"] is device_plugin, ami_types
    assert values["driver"]["enabled"] is False and values["toolkit"]["enabled"] is False, "both AMI families ship them"


def test_every_pool_ami_type_says_what_it_ships() -> None:
    from components.catalog.gpu import AMI_PREINSTALLED_OPERANDS, GPU_POOL_AMI_TYPES

    assert set(AMI_PREINSTALLED_OPERANDS) == set(GPU_POOL_AMI_TYPES)
