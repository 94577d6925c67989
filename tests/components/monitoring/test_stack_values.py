"""kube-prometheus-stack values on the recorded plan: what EKS cannot be scraped for is off, with
its rules, and Grafana's single RWO volume is upgraded with Recreate."""

from __future__ import annotations

from mlinfra.engine import Plan

RELEASE = "kubernetes:helm.sh/v3:Release"

# values.yaml of kube-prometheus-stack-88.5.3: the components EKS keeps out of reach...
EKS_HIDDEN = ("kubeControllerManager", "kubeEtcd", "kubeScheduler", "kubeProxy")
# ...and the defaultRules.rules switches of their rule files (templates/prometheus/rules-1.14/).
THEIR_RULES = ("etcd", "kubeControllerManager", "kubeProxy", "kubeSchedulerAlerting", "kubeSchedulerRecording")


def test_control_plane_targets_eks_hides_are_not_scraped_nor_alerted_on(any_plan: Plan) -> None:
    release = any_plan.get(RELEASE, "monitoring-release")
    values = release.inputs["values"]
    for component in EKS_HIDDEN:
        assert values.get(component) == {"enabled": False}, f"{release.name}: {component}.enabled must be false on EKS"
    rules = values["defaultRules"]
    assert rules["create"] is True, f"{release.name}: the chart's other default rules stay on"
    assert rules["rules"] == dict.fromkeys(THEIR_RULES, False), f"{release.name}: defaultRules.rules {rules['rules']}"


def test_grafana_is_recreated_not_rolled(any_plan: Plan) -> None:
    release = any_plan.get(RELEASE, "monitoring-release")
    grafana = release.inputs["values"]["grafana"]
    assert grafana["persistence"]["accessModes"] == ["ReadWriteOnce"], release.name
    assert grafana["deploymentStrategy"] == {"type": "Recreate"}, f"{release.name}: RWO volume needs Recreate"
