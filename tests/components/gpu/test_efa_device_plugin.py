"""EfaDevicePlugin: installed only where a pool has EFA, tolerating the GPU taint."""

from __future__ import annotations

from components.catalog import tokens
from components.gpu.efa_device_plugin import EFA_DEVICE_PLUGIN_CHART, efa_device_plugin_values
from mlinfra.engine import Plan
from stacks.loading import load_settings
from tests._golden import assert_golden_yaml

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_release_exists_exactly_when_a_pool_has_efa(any_plan: Plan) -> None:
    has_efa = any(p.efa for p in load_settings(any_plan.stack).gpu_node_groups.values())
    releases = [r for r in any_plan.of_type(RELEASE) if r.name == "efa-device-plugin-release"]
    assert len(releases) == int(has_efa), f"{any_plan.stack}: efa pools={has_efa}, releases={releases}"


def test_prod_release_pins_the_chart_and_tolerates_gpu_nodes(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "efa-device-plugin-release")
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"]) == (EFA_DEVICE_PLUGIN_CHART.name, EFA_DEVICE_PLUGIN_CHART.version), release.name
    assert inputs["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts", release.name
    assert inputs["namespace"] == "kube-system" and inputs["createNamespace"] is False, release.name
    toleration = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert toleration in inputs["values"]["tolerations"], f"{release.name} must run on the tainted EFA GPU nodes"
    component = prod_plan.get(tokens.EFA_DEVICE_PLUGIN, "efa-device-plugin")
    assert release.parent == component.urn, release.name
    assert release.provider.split("::")[-1].startswith("cluster-k8s"), f"{release.name} must use the cluster's provider"
    assert not [n for n in prod_plan.of_type("kubernetes:core/v1:Namespace") if n.name.startswith("efa-")]


def test_values_match_golden() -> None:
    assert_golden_yaml("helm/efa-device-plugin.yaml", efa_device_plugin_values())
