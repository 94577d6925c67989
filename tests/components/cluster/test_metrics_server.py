"""MetricsServer: every stack installs it (its HPAs scale on metrics.k8s.io), on the system nodes."""

from __future__ import annotations

from components.catalog import tokens
from components.cluster.metrics_server import METRICS_SERVER_CHART, MetricsServerArgs, metrics_server_values
from mlinfra.engine import Plan
from tests._golden import assert_golden_yaml

RELEASE = "kubernetes:helm.sh/v3:Release"


class _Provider:
    """Stands in for the Kubernetes provider: rendering values never touches it."""


def test_every_stack_with_an_hpa_has_metrics_server(any_plan: Plan) -> None:
    hpas = any_plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    gateway = any_plan.get(RELEASE, "mesh-gateway-release").inputs["values"]["autoscaling"]["enabled"]
    assert hpas or gateway, f"{any_plan.stack}: the check below would prove nothing"
    release = any_plan.get(RELEASE, "metrics-server-release")
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"]) == ("metrics-server", METRICS_SERVER_CHART.version), release.name
    assert inputs["repositoryOpts"]["repo"] == "https://kubernetes-sigs.github.io/metrics-server/", release.name
    assert inputs["namespace"] == "kube-system" and inputs["atomic"] is True, release.name
    values = inputs["values"]
    assert values["nodeSelector"] == {"mlinfra.io/node-role": "system"}, f"{release.name}: on the system nodes"
    assert values["resources"]["requests"] == {"cpu": "100m", "memory": "200Mi"}, release.name
    assert release.parent == any_plan.get(tokens.METRICS_SERVER, "metrics-server").urn, release.name
    system_nodes = any_plan.get("aws:eks/nodeGroup:NodeGroup", "cluster-system")
    assert system_nodes.urn in release.dependencies, f"{release.name} waits for nodes to run its pod on"
    assert release.provider.split("::")[-1].startswith("cluster-k8s"), release.name


def test_replicas_follow_the_system_pool(dev_plan: Plan, prod_plan: Plan) -> None:
    # Two replicas (and a PodDisruptionBudget) where the system pool keeps at least three nodes.
    dev = dev_plan.get(RELEASE, "metrics-server-release").inputs["values"]
    prod = prod_plan.get(RELEASE, "metrics-server-release").inputs["values"]
    assert (dev["replicas"], dev["podDisruptionBudget"]["enabled"]) == (1, False)
    assert (prod["replicas"], prod["podDisruptionBudget"]) == (2, {"enabled": True, "minAvailable": 1})


def test_values_match_golden() -> None:
    args = MetricsServerArgs(k8s_provider=_Provider(), replicas=2)  # type: ignore[arg-type]
    assert_golden_yaml("helm/metrics-server.yaml", metrics_server_values(args))
