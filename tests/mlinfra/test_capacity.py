"""The capacity check on the recorded plans: what must run on each pool vs what the pool offers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components.catalog.workloads import CHART_WORKLOADS, Requests
from mlinfra import capacity
from mlinfra.engine import Plan, PlannedResource

ROOT = Path(__file__).resolve().parents[2]


def by_pool(plan: Plan) -> dict[str, capacity.PoolCapacity]:
    return {p.pool.name: p for p in capacity.capacity(plan).pools}


def test_every_pool_of_every_default_stack_fits(any_plan: Plan) -> None:
    pools = by_pool(any_plan)
    assert "system" in pools and len(pools) >= 2, sorted(pools)
    for name, pool in pools.items():
        assert pool.fits, f"{any_plan.stack}: {pool.problems}"
        assert pool.requested.cpu_millicores > 0 and pool.pods > 0, name


def test_every_platform_workload_states_its_requests(any_plan: Plan) -> None:
    # The one left: EKS's Pod Identity agent, whose add-on manifest sets none (README, capacity).
    assert capacity.capacity(any_plan).unrequested == ("cluster-eks-pod-identity-agent/eks-pod-identity-agent",)


def test_every_release_of_the_plan_is_catalogued(any_plan: Plan) -> None:
    charts = {r.inputs["chart"] for r in any_plan.of_type("kubernetes:helm.sh/v3:Release")}
    assert charts <= set(CHART_WORKLOADS), f"charts without a workload entry: {sorted(charts - set(CHART_WORKLOADS))}"


def test_daemonsets_cost_the_pools_they_reach(prod_plan: Plan) -> None:
    pools = by_pool(prod_plan)
    system, inference, training = pools["system"], pools["inference"], pools["training"]
    # The GPU Operator's operands (validator, device plugin, GFD, DCGM exporter) run on GPU nodes only.
    assert inference.per_node.cpu_millicores - system.per_node.cpu_millicores == 10 + 50 + 20 + 100
    assert inference.per_node.memory_mib - system.per_node.memory_mib == 32 + 64 + 64 + 512
    # The EFA device plugin (chart default 10m / 20Mi) only where the pool has EFA.
    assert (training.per_node.cpu_millicores - inference.per_node.cpu_millicores) == 10
    assert (training.per_node.memory_mib - inference.per_node.memory_mib) == 20
    # aws-node, kube-proxy, ebs-csi-node, the Pod Identity agent, istio-cni, node-exporter, nfd-worker.
    assert system.daemonset_pods == 7 and inference.daemonset_pods == 11 and training.daemonset_pods == 12


def test_pods_land_on_their_pool(dev_plan: Plan) -> None:
    pools = by_pool(dev_plan)
    gpu = {w.name: w for w in pools["gpu"].placed}
    system = {w.name: w for w in pools["system"].placed}
    assert set(gpu) == {"classify-v3"}, f"only the GPU model server goes to the GPU pool: {sorted(gpu)}"
    assert {"istiod", "prometheus", "metrics-server", "coredns", "kafka-broker", "recommend-v1"} <= set(system)
    # A model server in an injected namespace: its container plus the Istio sidecar (100m / 128Mi).
    assert system["recommend-v1"].requests == Requests(1000 + 100, 2048 + 128)
    assert system["recommend-v1"].replicas == 2


def test_quantities() -> None:
    assert [capacity.cpu_millicores(v) for v in ("250m", "1", "1.5", 2)] == [250, 1000, 1500, 2000]
    assert [capacity.memory_mib(v) for v in ("128Mi", "2Gi", "1G", "1048576")] == [128, 2048, 954, 1]
    assert capacity.requests_of({"limits": {"cpu": "1"}}) == Requests(1000, 0), "limits stand in for requests"
    assert capacity.requests_of({}) is None and capacity.requests_of(None) is None
    with pytest.raises(ValueError, match="not a memory quantity"):
        capacity.memory_mib("lots")


def _plan_with_system_max(tmp_path: Path, max_size: int) -> subprocess.CompletedProcess[str]:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:system_node_group:\n"
        f"    instance_types: [m6i.large]\n    min_size: 2\n    desired_size: 2\n    max_size: {max_size}\n"
        "    disk_size_gb: 50\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "mlinfra", "plan", "--stack", "dev", "--stack-file", str(stack_file), "--json", "-"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_system_pool_one_node_too_small_exits_2_naming_the_field(tmp_path: Path) -> None:
    # Dev's platform needs ~6.8 vCPU + 0.28 per node: 4 x m6i.large (7.72 allocatable) is just short, 5 fit.
    enough = _plan_with_system_max(tmp_path, 5)
    assert enough.returncode == 0, enough.stderr
    pools = {p["pool"]: p for p in json.loads(enough.stdout)["capacity"]["pools"]}
    assert pools["system"]["fits"] and pools["system"]["allocatable"]["cpu_millicores"] == 5 * 1930
    at_four = pools["system"]["requested"]["cpu_millicores"] - 280  # one node less: one set of DaemonSets less
    assert 4 * 1930 < at_four < 5 * 1930, "the near miss below depends on the platform's requests"

    small = _plan_with_system_max(tmp_path, 4)
    assert small.returncode == 2, small.stderr
    assert (
        f"{tmp_path / 'Pulumi.dev.yaml'}: mlinfra:system_node_group.max_size: pool 'system' (4 x m6i.large) "
        f"cannot hold what must run on it: CPU requested {at_four}m of 7720m allocatable" in small.stderr
    )
    assert "instance_types" in small.stderr and "Traceback" not in small.stderr
    report = json.loads(small.stdout)["capacity"]
    assert [p["fits"] for p in report["pools"]] == [False, True], "the plan JSON still says which pool"


def _resource(type_: str, name: str, inputs: dict[str, object]) -> PlannedResource:
    return PlannedResource(urn=f"urn:{type_}::{name}", type=type_, name=name, parent="", custom=True, inputs=inputs)


def _pool(name: str, ami_labels: dict[str, str]) -> PlannedResource:
    labels = {"mlinfra.io/gpu-pool": name, **ami_labels}
    return _resource(
        "aws:eks/nodeGroup:NodeGroup",
        f"gpu-{name}",
        {"instanceTypes": ["g5.xlarge"], "scalingConfig": {"maxSize": 1}, "labels": labels, "tags": {}},
    )


def test_a_bottlerocket_pool_does_not_pay_for_the_operators_device_plugin() -> None:
    # Its nodes say nvidia.com/gpu.deploy.device-plugin=false (the OS runs one): the operator's stays off.
    operator = _resource(
        "kubernetes:helm.sh/v3:Release",
        "gpu-operator-release",
        {"chart": "gpu-operator", "values": {"devicePlugin": {"enabled": True, "resources": {"requests": {"cpu": "50m"}}}}},
    )
    al2023 = _pool("al2023", {"nvidia.com/gpu.deploy.driver": "false"})
    bottlerocket = _pool("br", {"nvidia.com/gpu.deploy.driver": "false", "nvidia.com/gpu.deploy.device-plugin": "false"})
    plan = Plan(stack="t", resources=[operator, al2023, bottlerocket], outputs={})
    pools = by_pool(plan)
    assert pools["al2023"].per_node.cpu_millicores - pools["br"].per_node.cpu_millicores == 50
    assert pools["al2023"].daemonset_pods - pools["br"].daemonset_pods == 1, "one DaemonSet pod fewer per node"
