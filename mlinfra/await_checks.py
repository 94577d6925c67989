"""The checks behind mlinfra/awaits.py: what one await needs on a first deploy, read from the Plan.

``Context`` indexes the plan once (dependency closures, node pools, releases by chart, the
Secrets, ConfigMaps, namespaces and buckets the plan creates); each ``*_problems`` function
returns the reasons one await cannot finish (codes are stable, for tests and tools).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from components.catalog import awaits as facts
from mlinfra.await_pods import Pool, containers, gpus_requested, inputs_of, pod_spec, pools_of, refusal, template_labels
from mlinfra.engine import Plan, PlannedResource
from mlinfra.schedule import tasks_of

_S3_URI = re.compile(r"s3://[^\s'\"]+")
# Kubernetes API groups (builtin) vs custom kinds: a type token is kubernetes:<group>/<version>:<Kind>.
_BUILTIN_GROUP_SUFFIXES = (".k8s.io", "helm.sh")
_BUILTIN_GROUPS = frozenset({"core", "apps", "batch", "policy", "autoscaling", "meta", "apiextensions.k8s.io"})


@dataclass(frozen=True)
class Problem:
    """One reason an await cannot finish on a first deploy."""

    code: str
    """Stable: no-pool, pool-not-ordered, zero-nodes, no-device-plugin, no-nodes, no-lb-controller,
    outside-data, outside-secret, outside-config-map, pods-never-ready, crd-not-ordered, crd-missing, unknown-crd."""
    message: str


@dataclass(frozen=True)
class Prerequisites:
    """What a workload's pods read that the plan does not create."""

    outside: tuple[str, ...] = ()
    blockers: tuple[Problem, ...] = ()
    """The ones that cannot exist on a first deploy: the pods never start or never become Ready."""


class Context:
    """The plan, indexed once for every check."""

    def __init__(self, plan: Plan, deployed: Plan | None = None) -> None:
        """``deployed``: a stack deployed before this one (a tenants stack's platform): what it
        creates exists before anything here, and is not new on this stack's first deploy."""
        self.plan = plan
        self._waits = {t.urn: t.waits_for for t in tasks_of(plan, seconds_of=lambda _type: 0.0)}
        earlier = [deployed] if deployed is not None else []
        self._existing = frozenset(r.urn for p in earlier for r in p.resources)
        self.pools = [pool for p in [plan, *earlier] for pool in pools_of(p)]
        self.releases = {
            r.urn: str(r.inputs.get("chart", "")) for p in [plan, *earlier] for r in p.of_type(facts.HELM_RELEASE_TYPE)
        }
        self.secrets = set().union(*(_objects(p, "kubernetes:core/v1:Secret") for p in [plan, *earlier]))
        self.config_maps = set().union(*(_objects(p, "kubernetes:core/v1:ConfigMap") for p in [plan, *earlier]))
        # New on this stack's first deploy: what this plan itself creates.
        self.namespaces = {n for _ns, n in _objects(plan, "kubernetes:core/v1:Namespace")}
        self.buckets = {str(r.inputs.get("bucket")) for r in plan.of_type("aws:s3/bucket:Bucket")}
        self.closure = cache(self._closure)
        self._prerequisites_by_urn: dict[str, Prerequisites] = {}

    def _closure(self, urn: str) -> frozenset[str]:
        """Every resource ``urn`` transitively waits for (its create starts after all of them)."""
        seen: set[str] = set()
        stack = list(self._waits.get(urn, ()))
        while stack:
            u = stack.pop()
            if u not in seen:
                seen.add(u)
                stack.extend(self._waits.get(u, ()))
        return frozenset(seen) | self._existing

    def charts_before(self, urn: str) -> set[str]:
        return {self.releases[u] for u in self.closure(urn) if u in self.releases}

    def pools_before(self, urn: str) -> list[Pool]:
        before = self.closure(urn)
        return [p for p in self.pools if p.urn in before]

    def prerequisites(self, r: PlannedResource) -> Prerequisites:
        if r.urn not in self._prerequisites_by_urn:
            self._prerequisites_by_urn[r.urn] = self._prerequisites(r)
        return self._prerequisites_by_urn[r.urn]

    def _prerequisites(self, r: PlannedResource) -> Prerequisites:
        spec = pod_spec(r)
        if spec is None:
            return Prerequisites()
        namespace = str((inputs_of(r).get("metadata") or {}).get("namespace") or "default")
        outside: list[str] = []
        blockers: list[Problem] = []
        for uri in _s3_uris(spec):
            outside.append(f"data at {uri}")
            bucket = uri[len("s3://") :].split("/", 1)[0]
            if bucket in self.buckets:
                blockers.append(
                    Problem(
                        "outside-data",
                        f"its pods read {uri}, which the plan does not create, from bucket {bucket} that the plan "
                        "creates: empty on a first deploy, so the pods never become Ready",
                    )
                )
        for kind, code, name in _references(spec):
            known = self.secrets if kind == "Secret" else self.config_maps
            if (namespace, name) in known:
                continue
            outside.append(f"{kind} {namespace}/{name}")
            if namespace in self.namespaces:
                blockers.append(
                    Problem(
                        code,
                        f"its pods mount {kind} {namespace}/{name}, which the plan does not create, in a "
                        "namespace the plan creates: it cannot exist on a first deploy, so the pods never start",
                    )
                )
        return Prerequisites(tuple(outside), tuple(blockers))


def _objects(plan: Plan, type_: str) -> set[tuple[str, str]]:
    found = set()
    for r in plan.of_type(type_):
        meta = inputs_of(r).get("metadata") or {}
        found.add((str(meta.get("namespace") or "default"), str(meta.get("name") or r.name)))
    return found


def _s3_uris(spec: Mapping[str, Any]) -> list[str]:
    uris = []
    for c in containers(spec):
        for token in [*(c.get("command") or []), *(c.get("args") or [])]:
            uris.extend(_S3_URI.findall(str(token)))
    return uris


def _references(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, problem code, name) of every Secret and ConfigMap the pods need (optional ones skipped)."""
    for v in spec.get("volumes") or []:
        if "secret" in v and not v["secret"].get("optional"):
            yield "Secret", "outside-secret", str(v["secret"].get("secretName"))
        if "configMap" in v and not v["configMap"].get("optional"):
            yield "ConfigMap", "outside-config-map", str(v["configMap"].get("name"))
    for c in containers(spec):
        for env in c.get("env") or []:
            source = env.get("valueFrom") or {}
            for key, kind, code in (
                ("secretKeyRef", "Secret", "outside-secret"),
                ("configMapKeyRef", "ConfigMap", "outside-config-map"),
            ):
                if key in source and not source[key].get("optional"):
                    yield kind, code, str(source[key].get("name"))
        for env_from in c.get("envFrom") or []:
            for key, kind, code in (
                ("secretRef", "Secret", "outside-secret"),
                ("configMapRef", "ConfigMap", "outside-config-map"),
            ):
                if key in env_from and not env_from[key].get("optional"):
                    yield kind, code, str(env_from[key].get("name"))


def node_problems(r: PlannedResource, spec: Mapping[str, Any], ctx: Context) -> list[Problem]:
    """Nodes for the pods of ``r``: a pool that admits them, ordered before ``r``, with nodes from the start."""
    admitting = [p for p in ctx.pools if refusal(p, spec) is None]
    if not admitting:
        reasons = "; ".join(str(refusal(p, spec)) for p in ctx.pools) or "the plan has no node pool"
        return [Problem("no-pool", f"no node pool admits its pods: {reasons}")]
    problems = []
    names = ", ".join(p.name for p in admitting)
    before = [p for p in admitting if p.urn in ctx.closure(r.urn)]
    if not before:
        problems.append(
            Problem(
                "pool-not-ordered",
                f"the pools that admit its pods ({names}) are not among its dependencies: "
                "it may be created before any such node exists",
            )
        )
    if all(p.desired == 0 for p in admitting):
        problems.append(
            Problem(
                "zero-nodes",
                f"every pool that admits its pods ({names}) starts with 0 nodes (desiredSize 0): "
                "nothing runs them until an autoscaler adds a node, which `pulumi up` does not wait for",
            )
        )
    if gpus_requested(spec) and not ctx.charts_before(r.urn) & facts.GPU_DEVICE_PLUGIN_CHARTS:
        problems.append(
            Problem(
                "no-device-plugin",
                f"its pods request {facts.GPU_RESOURCE} but no release running the device "
                f"plugin ({', '.join(sorted(facts.GPU_DEVICE_PLUGIN_CHARTS))}) is among its dependencies",
            )
        )
    return problems


def workload_problems(r: PlannedResource, ctx: Context) -> list[Problem]:
    spec = pod_spec(r)
    inputs = inputs_of(r)
    if spec is None or (inputs.get("spec") or {}).get("replicas") == 0:
        return []  # no pod to wait for
    # A DaemonSet wants one pod per admitting node: with no such node it is complete at once.
    nodes = node_problems(r, spec, ctx) if inputs.get("kind") != "DaemonSet" else []
    return nodes + list(ctx.prerequisites(r).blockers)


def _needs_lb_controller(r: PlannedResource, ctx: Context, what: str) -> list[Problem]:
    if facts.LOAD_BALANCER_CONTROLLER_CHART in ctx.charts_before(r.urn):
        return []
    return [
        Problem(
            "no-lb-controller",
            f"{what} but the {facts.LOAD_BALANCER_CONTROLLER_CHART} release is not among its "
            "dependencies: no load balancer address is allocated before the wait times out",
        )
    ]


def service_problems(r: PlannedResource, ctx: Context) -> list[Problem]:
    """A LoadBalancer needs its controller; selected pods that run but never get Ready keep endpoints NotReady."""
    if r.type != "kubernetes:core/v1:Service":
        return []
    inputs = inputs_of(r)
    spec = inputs.get("spec") or {}
    problems = _needs_lb_controller(r, ctx, "it is of type LoadBalancer") if spec.get("type") == "LoadBalancer" else []
    selector = spec.get("selector") or {}
    if not selector or spec.get("clusterIP") == "None" or spec.get("type") == "ExternalName":
        return problems  # service.go shouldWaitForPods: headless, ExternalName and selector-less skip pods
    namespace = (inputs.get("metadata") or {}).get("namespace") or "default"
    for w in ctx.plan.resources:
        w_spec = pod_spec(w)
        if w_spec is None or (inputs_of(w).get("metadata") or {}).get("namespace", "default") != namespace:
            continue
        labels = template_labels(w)
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        # Pods that never schedule have no address at all; only running, never-Ready pods block.
        blockers = ctx.prerequisites(w).blockers
        if blockers and not node_problems(w, w_spec, ctx):
            problems.append(
                Problem(
                    "pods-never-ready",
                    f"it selects the pods of {w.name}, which run but never become Ready "
                    f"({blockers[0].code}): its endpoints stay NotReady",
                )
            )
    return problems


def release_problems(r: PlannedResource, ctx: Context) -> list[Problem]:
    inputs = inputs_of(r)
    chart = str(inputs.get("chart", ""))
    problems = []
    if chart not in facts.CHARTS_WITHOUT_PODS and not any(p.desired > 0 for p in ctx.pools_before(r.urn)):
        problems.append(
            Problem(
                "no-nodes",
                "no node pool with nodes from the start is among its dependencies: Helm's wait "
                "has nowhere to run the chart's pods",
            )
        )
    if chart in facts.LOAD_BALANCER_CHART_VALUES:
        path, default = facts.LOAD_BALANCER_CHART_VALUES[chart]
        value: Any = inputs.get("values") or {}
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if (value or default) == "LoadBalancer":
            problems += _needs_lb_controller(r, ctx, f"its chart renders a LoadBalancer Service ({'.'.join(path)})")
    return problems


def addon_problems(r: PlannedResource, ctx: Context) -> list[Problem]:
    if r.inputs.get("addonName") not in facts.EKS_ADDONS_RUNNING_DEPLOYMENTS:
        return []
    if any(p.desired > 0 for p in ctx.pools_before(r.urn)):
        return []
    return [
        Problem(
            "no-nodes",
            f"the {r.inputs.get('addonName')} add-on runs a Deployment, but no node pool with nodes "
            "from the start is among its dependencies: it stays DEGRADED, never ACTIVE",
        )
    ]


def is_custom_resource(type_: str) -> bool:
    if not type_.startswith("kubernetes:") or "/" not in type_:
        return False
    group = type_.split(":")[1].split("/")[0]
    return "." in group and group not in _BUILTIN_GROUPS and not group.endswith(_BUILTIN_GROUP_SUFFIXES)


def crd_problems(r: PlannedResource, ctx: Context) -> list[Problem]:
    group = r.type.split(":")[1].split("/")[0]
    installers = facts.CRD_INSTALLERS.get(group)
    if installers is None:
        return [Problem("unknown-crd", f"no chart in components/catalog/awaits.py is known to install the CRDs of {group}")]
    if ctx.charts_before(r.urn) & set(installers):
        return []
    in_plan = sorted(set(ctx.releases.values()) & set(installers))
    if in_plan:
        return [
            Problem(
                "crd-not-ordered",
                f"its CRD comes with the {in_plan[0]} release, which is not among its dependencies: "
                f"created first, it fails after {facts.CRD_RETRY_SECONDS} s of 'no matches for kind'",
            )
        ]
    return [Problem("crd-missing", f"nothing in the plan installs the CRDs of {group} ({', '.join(installers)})")]


def gateway_tls_outside(r: PlannedResource, ctx: Context) -> list[str]:
    """TLS Secrets an Istio Gateway names (credentialName) that the plan does not create."""
    if r.type != "kubernetes:networking.istio.io/v1:Gateway":
        return []
    names = {n for _ns, n in ctx.secrets}
    found = []
    for server in (inputs_of(r).get("spec") or {}).get("servers") or []:
        credential = (server.get("tls") or {}).get("credentialName")
        if credential and credential not in names:
            found.append(f"TLS Secret {credential} in the gateway workload's namespace ({facts.GATEWAY_TLS_SOURCE})")
    return found
