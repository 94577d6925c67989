"""The await model on the recorded plans, and near misses: one resource that differs from a good
one only in what its await needs (a dependency, a nodeSelector, an annotation)."""

from __future__ import annotations

import dataclasses
from typing import Any

from components.catalog.model_servers import COMPONENT_LABEL, MODEL_SERVER_COMPONENT
from mlinfra.await_pods import pod_spec, template_labels
from mlinfra.awaits import Await, awaits_for_cli, awaits_of, cannot_finish, schedule_json
from mlinfra.engine import Plan, PlannedResource, Secret
from mlinfra.schedule import schedule_plan
from tests.conftest import cached_split

SKIP_AWAIT = "pulumi.com/skipAwait"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
RELEASE = "kubernetes:helm.sh/v3:Release"
# Why a model server cannot become Ready on a first deploy: its model files are outside the plan
# (in the models bucket the plan itself creates) and a GPU server's pool starts from zero nodes.
MODEL_SERVER_CODES = {"outside-data", "pool-not-ordered", "zero-nodes", "no-device-plugin", "pods-never-ready"}


def _annotations(r: PlannedResource) -> dict[str, str]:
    return dict((r.plain_inputs().get("metadata") or {}).get("annotations") or {})


def _serves_models(r: PlannedResource, plan: Plan) -> bool:
    """A model-server Deployment, or a Service selecting model-server pods."""
    if r.type == DEPLOYMENT:
        return template_labels(r).get(COMPONENT_LABEL) == MODEL_SERVER_COMPONENT
    selector = (r.plain_inputs().get("spec") or {}).get("selector") or {}
    return r.type == SERVICE and selector.get(COMPONENT_LABEL) == MODEL_SERVER_COMPONENT


def test_every_await_of_the_plan_finishes(any_plan: Plan) -> None:
    awaits = awaits_of(any_plan)
    types = {a.type for a in awaits.values()}
    assert {RELEASE, DEPLOYMENT, "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"} <= types, types
    assert [f"{a.type} {a.name}: {a.problems}" for a in cannot_finish(awaits)] == []
    # The model servers and their Services are what could not finish before (model data outside
    # the plan): they carry pulumi.com/skipAwait, so nothing waits for them.
    model_servers = [a for a in awaits.values() if _serves_models(any_plan.get(a.type, a.name), any_plan)]
    assert model_servers, "the plan serves models"
    for a in model_servers:
        assert _annotations(any_plan.get(a.type, a.name)).get(SKIP_AWAIT) == "true" and not a.awaited, a.name


def _replace(plan: Plan, old: PlannedResource, new: PlannedResource) -> Plan:
    return Plan(plan.stack, [new if r.urn == old.urn else r for r in plan.resources], plan.outputs)


def _annotated(r: PlannedResource, annotations: dict[str, str] | None) -> PlannedResource:
    inputs = r.plain_inputs()
    meta = {k: v for k, v in inputs["metadata"].items() if k != "annotations"}
    if annotations:
        meta["annotations"] = annotations
    return dataclasses.replace(r, inputs={**inputs, "metadata": meta})


def _model_server(plan: Plan, name: str, annotations: dict[str, str] | None) -> Await:
    r = plan.get(DEPLOYMENT, name)
    changed = _annotated(r, annotations)
    return awaits_of(_replace(plan, r, changed))[r.urn]


def test_model_servers_cannot_finish_a_first_deploy_unless_not_awaited(dev_plan: Plan) -> None:
    # Awaited (no skipAwait, as on main today): the CPU server's model is outside the plan, in a
    # bucket the plan creates; the GPU server's pool starts with 0 nodes too.
    cpu = _model_server(dev_plan, "serving-recsys-recommend-recommend-v1", None)
    assert cpu.awaited and [p.code for p in cpu.problems] == ["outside-data"], cpu.problems
    assert (
        "s3://mlinfra-dev-models-" in cpu.problems[0].message and "/teams/recsys/models/recommend/1/" in cpu.problems[0].message
    )
    assert cpu.timeout_seconds == 600 and "Available=True" in cpu.condition
    gpu = _model_server(dev_plan, "serving-vision-classify-classify-v3", None)
    assert {"zero-nodes", "outside-data"} <= {p.code for p in gpu.problems}, gpu.problems
    assert "gpu-gpu" in next(p.message for p in gpu.problems if p.code == "zero-nodes")
    # Not awaited: nothing about its pods holds `pulumi up`; the model data stays a prerequisite.
    for name in ("serving-recsys-recommend-recommend-v1", "serving-vision-classify-classify-v3"):
        skipped = _model_server(dev_plan, name, {SKIP_AWAIT: "true"})
        assert not skipped.awaited and skipped.finishes, skipped.problems
        assert any(o.startswith("data at s3://") for o in skipped.outside), skipped.outside
        # Near miss: any other value keeps the await (overrides.go IsAnnotationTrue).
        assert not _model_server(dev_plan, name, {SKIP_AWAIT: "false"}).finishes


def _service(plan: Plan, name: str, annotations: dict[str, str] | None) -> Await:
    r = plan.get(SERVICE, name)
    return awaits_of(_replace(plan, r, _annotated(r, annotations)))[r.urn]


def test_service_selecting_never_ready_pods_cannot_finish(dev_plan: Plan) -> None:
    # Whether or not its Deployments are awaited, their pods run and never become Ready.
    service = _service(dev_plan, "serving-recsys-recommend-service", None)
    assert {p.code for p in service.problems} == {"pods-never-ready"}, service.problems
    assert "serving-recsys-recommend-recommend-v1" in service.problems[0].message
    assert _service(dev_plan, "serving-recsys-recommend-service", {SKIP_AWAIT: "true"}).finishes
    # The GPU server's pods never schedule (no node): no address, so its Service's endpoints are not pending.
    assert _service(dev_plan, "serving-vision-classify-service", None).finishes


def _urn(plan: Plan, type_: str, name: str) -> str:
    return plan.get(type_, name).urn


def _with(plan: Plan, *extra: PlannedResource) -> dict[str, Await]:
    return awaits_of(Plan(plan.stack, [*plan.resources, *extra], plan.outputs))


def _k8s(plan: Plan, type_: str, name: str, inputs: dict[str, Any], deps: tuple[str, ...]) -> PlannedResource:
    urn = f"urn:pulumi:{plan.stack}::mlinfra::{type_}::{name}"
    return PlannedResource(urn, type_, name, "", True, inputs, tuple(sorted(deps)))


def _lb_service(plan: Plan, name: str, deps: tuple[str, ...]) -> PlannedResource:
    inputs = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}}
    inputs["spec"] = {"type": "LoadBalancer", "loadBalancerClass": "service.k8s.aws/nlb", "ports": [{"port": 443}]}
    return _k8s(plan, SERVICE, name, inputs, deps)


def test_load_balancer_service_needs_the_controller_among_its_dependencies(dev_plan: Plan) -> None:
    controller = _urn(dev_plan, RELEASE, "load-balancer-controller-release")
    nodes = _urn(dev_plan, "aws:eks/nodeGroup:NodeGroup", "cluster-system")
    good, bad = _lb_service(dev_plan, "lb-good", (controller,)), _lb_service(dev_plan, "lb-bad", (nodes,))
    awaits = _with(dev_plan, good, bad)
    assert awaits[good.urn].finishes, awaits[good.urn].problems
    assert [p.code for p in awaits[bad.urn].problems] == ["no-lb-controller"]
    assert "aws-load-balancer-controller" in awaits[bad.urn].problems[0].message


def test_gateway_release_renders_a_load_balancer_and_needs_the_controller(prod_plan: Plan) -> None:
    gateway = prod_plan.get(RELEASE, "mesh-gateway-release")
    assert awaits_of(prod_plan)[gateway.urn].finishes
    controller = _urn(prod_plan, RELEASE, "load-balancer-controller-release")
    cut = dataclasses.replace(gateway, dependencies=tuple(d for d in gateway.dependencies if d != controller))
    problems = awaits_of(_replace(prod_plan, gateway, cut))[gateway.urn].problems
    assert [p.code for p in problems] == ["no-lb-controller"], problems


def _deployment(
    plan: Plan, name: str, pod: dict[str, Any], deps: tuple[str, ...], annotations: dict[str, str] | None = None
) -> PlannedResource:
    labels = {"app": name}
    container = {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.29", "resources": pod.pop("resources", {})}
    metadata: dict[str, Any] = {"name": name, "namespace": "default", **({"annotations": annotations} if annotations else {})}
    inputs = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container], **pod}},
        },
    }
    return _k8s(plan, DEPLOYMENT, name, inputs, deps)


def test_deployment_needs_a_pool_that_admits_it_ordered_before_it(dev_plan: Plan) -> None:
    nodes = _urn(dev_plan, "aws:eks/nodeGroup:NodeGroup", "cluster-system")
    good = _deployment(dev_plan, "on-system", {"nodeSelector": {"mlinfra.io/node-role": "system"}}, (nodes,))
    bad = _deployment(dev_plan, "on-nothing", {"nodeSelector": {"mlinfra.io/node-role": "batch"}}, (nodes,))
    unordered = _deployment(dev_plan, "too-early", {"nodeSelector": {"mlinfra.io/node-role": "system"}}, ())
    awaits = _with(dev_plan, good, bad, unordered)
    assert awaits[good.urn].finishes, awaits[good.urn].problems
    assert [p.code for p in awaits[bad.urn].problems] == ["no-pool"]
    assert "nodeSelector mlinfra.io/node-role=batch" in awaits[bad.urn].problems[0].message
    assert [p.code for p in awaits[unordered.urn].problems] == ["pool-not-ordered"]


def test_gpu_deployment_needs_a_tolerated_gpu_pool_with_nodes_and_the_device_plugin(dev_plan: Plan) -> None:
    gpu_pool = _urn(dev_plan, "aws:eks/nodeGroup:NodeGroup", "gpu-gpu")
    operator = _urn(dev_plan, RELEASE, "gpu-operator-release")
    toleration = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    limits = {"limits": {"nvidia.com/gpu": "1"}}
    tolerated = _deployment(dev_plan, "gpu-ok", {"tolerations": toleration, "resources": limits}, (gpu_pool, operator))
    untolerated = _deployment(dev_plan, "gpu-no-toleration", {"resources": limits}, (gpu_pool, operator))
    awaits = _with(dev_plan, tolerated, untolerated)
    # dev's GPU pool starts at 0 nodes: the only thing wrong with the tolerated one.
    assert [p.code for p in awaits[tolerated.urn].problems] == ["zero-nodes"]
    assert [p.code for p in awaits[untolerated.urn].problems] == ["no-pool"]
    assert "taint nvidia.com/gpu=true:NoSchedule of pool gpu-gpu is not tolerated" in awaits[untolerated.urn].problems[0].message
    # skipAwait: the same unschedulable Deployment no longer holds `pulumi up`.
    skipped = _deployment(dev_plan, "gpu-skip", {"resources": limits}, (gpu_pool,), {SKIP_AWAIT: "true"})
    assert _with(dev_plan, skipped)[skipped.urn].finishes


def _topic(plan: Plan, name: str, deps: tuple[str, ...]) -> PlannedResource:
    inputs = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic", "metadata": {"name": name, "namespace": "kafka"}}
    return _k8s(plan, "kubernetes:kafka.strimzi.io/v1:KafkaTopic", name, {**inputs, "spec": {"partitions": 3}}, deps)


def test_custom_resource_needs_the_release_of_its_crd_among_its_dependencies(dev_plan: Plan) -> None:
    operator = _urn(dev_plan, RELEASE, "kafka-operator-release")
    namespace = _urn(dev_plan, "kubernetes:core/v1:Namespace", "kafka-operator-namespace")
    good, bad = _topic(dev_plan, "topic-good", (operator,)), _topic(dev_plan, "topic-bad", (namespace,))
    awaits = _with(dev_plan, good, bad)
    assert awaits[good.urn].finishes and not awaits[good.urn].awaited, awaits[good.urn]
    assert [p.code for p in awaits[bad.urn].problems] == ["crd-not-ordered"]
    assert "strimzi-kafka-operator" in awaits[bad.urn].problems[0].message and awaits[bad.urn].timeout_seconds == 31
    # Every custom resource of the plan has its CRD's release before it.
    for a in awaits_of(dev_plan).values():
        assert not any(p.code.startswith("crd") or p.code == "unknown-crd" for p in a.problems), (a.name, a.problems)


def test_release_reads_skip_await_wait_for_jobs_and_timeout(dev_plan: Plan) -> None:
    release = dev_plan.get(RELEASE, "cluster-autoscaler-release")
    inputs = release.plain_inputs()
    assert awaits_of(dev_plan)[release.urn].timeout_seconds == inputs["timeout"] == 600
    default = {k: v for k, v in inputs.items() if k != "timeout"}
    variants = {
        "default": default,
        "jobs": {**inputs, "waitForJobs": True},
        "skip": {**inputs, "skipAwait": True},
    }
    got = {
        k: awaits_of(_replace(dev_plan, release, dataclasses.replace(release, inputs=v)))[release.urn]
        for k, v in variants.items()
    }
    assert got["default"].timeout_seconds == 300  # helm_release.go defaultTimeoutSeconds
    assert got["jobs"].condition.endswith("every Job complete (waitForJobs)")
    assert not got["skip"].awaited and got["default"].awaited


def test_schedule_json_shows_each_steps_await(dev_plan: Plan) -> None:
    awaits = awaits_of(dev_plan)
    doc = schedule_json(schedule_plan(dev_plan).to_json(), awaits)
    steps = {s["urn"]: s for s in doc["critical_path"]}
    eks_addons = [s for s in doc["critical_path"] if s["type"] == "aws:eks/addon:Addon"]
    assert eks_addons and all(s["await"]["timeout_seconds"] == 1200 for s in eks_addons), eks_addons
    assert all("await" not in s for s in doc["critical_path"] if s["urn"] not in awaits)
    assert {a["urn"] for a in doc["awaits"]} == set(awaits) and len(steps) == len(doc["critical_path"])
    assert doc["awaits_cannot_finish"] == sorted(a.urn for a in cannot_finish(awaits))


def test_tenants_half_schedules_and_judges_its_awaits_on_the_platform() -> None:
    halves = cached_split("dev")
    schedule = schedule_plan(halves.tenants)  # raised: depends on the StackReference, "not in the plan"
    assert schedule.total > 0 and all("StackReference" not in s.urn for s in schedule.slots.values())
    # The model server as if it were awaited (its skipAwait removed): judged alone, the tenants half
    # has no node pool for it; on the platform, its pools and operators exist, and the models
    # bucket is not new (data may be uploaded).
    server = halves.tenants.get(DEPLOYMENT, "serving-recsys-recommend-recommend-v1")
    tenants = _replace(halves.tenants, server, _annotated(server, None))
    alone, on_platform = awaits_of(tenants), awaits_of(tenants, deployed=halves.platform)
    deployment = server.urn
    assert "no-pool" in {p.code for p in alone[deployment].problems}
    assert on_platform[deployment].finishes and on_platform[deployment].outside, on_platform[deployment]
    for a in on_platform.values():
        assert a.finishes or _serves_models(halves.tenants.get(a.type, a.name), halves.tenants), (a.name, a.problems)


def test_pod_spec_reads_templates_and_pods(dev_plan: Plan) -> None:
    r = dev_plan.get(DEPLOYMENT, "serving-recsys-recommend-recommend-v1")
    assert pod_spec(r) == r.plain_inputs()["spec"]["template"]["spec"]
    pod = dataclasses.replace(r, inputs={"kind": "Pod", "metadata": {}, "spec": {"containers": []}})
    assert pod_spec(pod) == {"containers": []} and pod_spec(dev_plan.of_type(SERVICE)[0]) is None


def _as_kind(r: PlannedResource, kind: str, type_: str, replicas: int | None = 1) -> PlannedResource:
    inputs = r.plain_inputs()
    spec = {k: v for k, v in inputs["spec"].items() if k != "replicas"}
    if replicas is not None:
        spec["replicas"] = replicas
    urn = r.urn.replace(DEPLOYMENT, type_)
    return dataclasses.replace(r, urn=urn, type=type_, inputs={**inputs, "kind": kind, "spec": spec})


def test_daemonset_or_zero_replicas_with_no_admitting_node_finish(dev_plan: Plan) -> None:
    nodes = _urn(dev_plan, "aws:eks/nodeGroup:NodeGroup", "cluster-system")
    nowhere = _deployment(dev_plan, "nowhere", {"nodeSelector": {"mlinfra.io/node-role": "batch"}}, (nodes,))
    daemonset = _as_kind(nowhere, "DaemonSet", "kubernetes:apps/v1:DaemonSet", replicas=None)
    idle = dataclasses.replace(_as_kind(nowhere, "Deployment", DEPLOYMENT, replicas=0), urn=nowhere.urn + "-idle")
    awaits = _with(dev_plan, nowhere, daemonset, idle)
    # A DaemonSet wants a pod per admitting node (none: complete); 0 replicas: nothing to wait for.
    assert awaits[daemonset.urn].finishes and awaits[idle.urn].finishes
    assert not awaits[nowhere.urn].finishes  # the same pods as a 1-replica Deployment


def test_secret_in_a_new_namespace_blocks_and_secret_values_stay_hidden(dev_plan: Plan) -> None:
    # The model server as if it were awaited (its skipAwait removed), so its needs are judged.
    recsys = _annotated(dev_plan.get(DEPLOYMENT, "serving-recsys-recommend-recommend-v1"), None)
    inputs = recsys.plain_inputs()
    pod = inputs["spec"]["template"]["spec"]

    def with_volume(secret: str) -> PlannedResource:
        volumes = [*pod["volumes"], {"name": "creds", "secret": {"secretName": secret}}]
        spec = {**inputs["spec"], "template": {**inputs["spec"]["template"], "spec": {**pod, "volumes": volumes}}}
        return dataclasses.replace(recsys, inputs={**inputs, "spec": spec})

    missing = awaits_of(_replace(dev_plan, recsys, with_volume("not-in-plan")))[recsys.urn]
    assert "outside-secret" in {p.code for p in missing.problems} and "Secret recsys/not-in-plan" in missing.outside
    # Near miss: a Secret the plan creates in that namespace.
    present = awaits_of(_replace(dev_plan, recsys, with_volume("kafka-credentials")))[recsys.urn]
    assert "outside-secret" not in {p.code for p in present.problems} and not any("Secret" in o for o in present.outside)
    # A secret input (here the whole init container args) is printed as "[secret]", never its value.
    init = pod["initContainers"][0]
    hidden_pod = {**pod, "initContainers": [{**init, "args": Secret(init["args"])}, *pod["initContainers"][1:]]}
    hidden_spec = {**inputs["spec"], "template": {**inputs["spec"]["template"], "spec": hidden_pod}}
    hidden = awaits_of(_replace(dev_plan, recsys, dataclasses.replace(recsys, inputs={**recsys.inputs, "spec": hidden_spec})))
    assert "s3://" not in str(hidden[recsys.urn].to_json()), hidden[recsys.urn]


def test_cli_judges_a_tenants_plan_on_its_platform_half() -> None:
    halves = cached_split("dev")
    expected = {u: a.to_json() for u, a in awaits_of(halves.tenants, deployed=halves.platform).items()}
    given = awaits_for_cli(halves.tenants, halves, stack="dev", stack_file=None, teams_dir=None)
    planned = awaits_for_cli(halves.tenants, None, stack="dev", stack_file=None, teams_dir=None)  # plans the platform
    assert {u: a.to_json() for u, a in given.items()} == expected == {u: a.to_json() for u, a in planned.items()}
    # The platform half itself is judged on its own plan.
    alone = {u: a.to_json() for u, a in awaits_of(halves.platform).items()}
    assert {
        u: a.to_json() for u, a in awaits_for_cli(halves.platform, halves, stack="dev", stack_file=None, teams_dir=None).items()
    } == alone


def test_timeout_annotation_overrides_the_default(dev_plan: Plan) -> None:
    nodes = _urn(dev_plan, "aws:eks/nodeGroup:NodeGroup", "cluster-system")
    pod = {"nodeSelector": {"mlinfra.io/node-role": "system"}}
    timed = _deployment(dev_plan, "timed", dict(pod), (nodes,), {"pulumi.com/timeoutSeconds": "120"})
    garbled = _deployment(dev_plan, "garbled", dict(pod), (nodes,), {"pulumi.com/timeoutSeconds": "2m"})
    awaits = _with(dev_plan, timed, garbled)
    assert awaits[timed.urn].timeout_seconds == 120
    assert awaits[garbled.urn].timeout_seconds == 600  # overrides.go: strconv.Atoi fails, the default stays
