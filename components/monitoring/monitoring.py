"""Monitoring: kube-prometheus-stack, what it scrapes, the platform's alerts and dashboards.

- The Prometheus Operator CRDs are their own release (prometheus-operator-crds keeps them in
  templates/, so every `helm upgrade` upgrades them; kube-prometheus-stack's crds/ folder would
  be installed once and never upgraded). The CRDs carry helm.sh/resource-policy: keep, so
  removing the release never deletes every monitor and rule in the cluster.
- Grafana's admin password is a pulumi_random RandomPassword stored only in a Kubernetes
  Secret (a Pulumi secret, `[secret]` in every plan); the chart reads it via existingSecret.
- Alertmanager webhook URLs and routing keys are only in the Secret ``alertmanager-receivers``
  (from Pulumi secret config); the routing config reads them as files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components._crd import custom_resource
from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components.catalog import namespaces, tokens
from components.catalog.prometheus import ADDITIONAL_SCRAPE_CONFIGS_KEY, ADDITIONAL_SCRAPE_CONFIGS_SECRET
from components.catalog.shared import MODEL_LABEL, POOL_LABEL
from components.monitoring.alert_routing import RECEIVERS_SECRET, AlertRouting, alertmanager_config, receiver_secret_keys
from components.monitoring.alert_rules import AlertRuleOptions, alert_rule_files
from components.monitoring.dashboards import DASHBOARD_LABEL, DashboardOptions, dashboard_files
from components.monitoring.scrape_targets import ScrapeTargetsArgs, scrape_targets
from components.render import render

# Upstream: https://github.com/prometheus-community/helm-charts (charts/kube-prometheus-stack),
# values checked against values.yaml at tag kube-prometheus-stack-88.5.3 (operator v0.93.1).
STACK_CHART = HelmChart(
    name="kube-prometheus-stack", repository="https://prometheus-community.github.io/helm-charts", version="88.5.3"
)
# The CRDs of the same operator version (appVersion v0.93.1), tag prometheus-operator-crds-31.0.1.
CRDS_CHART = HelmChart(
    name="prometheus-operator-crds", repository="https://prometheus-community.github.io/helm-charts", version="31.0.1"
)
VALUES_TEMPLATE = "helm/kube-prometheus-stack.yaml.j2"
GRAFANA_ADMIN_SECRET = "grafana-admin"


@dataclass(frozen=True)
class Resources:
    """Requests of one container; the memory limit equals the request (no OOM surprises)."""

    cpu: str
    memory: str

    def values(self) -> dict[str, Any]:
        return {"requests": {"cpu": self.cpu, "memory": self.memory}, "limits": {"memory": self.memory}}


@dataclass(frozen=True)
class MonitoringArgs:
    """Inputs of Monitoring; environments differ only in these values (stacks/monitoring_settings.py)."""

    k8s_provider: pulumi.ProviderResource
    """Provider of the cluster to install into."""
    storage_class: str
    """StorageClass of every volume (the encrypted gp3 class of components/cluster/storage_class.py)."""
    dashboards: DashboardOptions
    """Dashboards and the GPU prices of the cost panel."""
    namespace: str = namespaces.MONITORING
    prometheus_replicas: int = 2
    prometheus_retention_days: int = 15
    prometheus_storage_gb: int = 100
    """Per replica; retention by size stops at 85% of it."""
    prometheus_resources: Resources = Resources(cpu="1", memory="4Gi")
    enable_alertmanager: bool = True
    """Only dev may turn it off (policy mlinfra-alertmanager-enabled)."""
    alertmanager_replicas: int = 2
    alertmanager_storage_gb: int = 5
    grafana_storage_gb: int = 10
    alert_rules: AlertRuleOptions = AlertRuleOptions()
    routing: AlertRouting = AlertRouting()
    receiver_secrets: pulumi.Input[Mapping[str, str]] | None = None
    """Secret key -> webhook URL / routing key, from Pulumi secret config; must hold
    ``receiver_secret_keys(routing)`` (checked by the settings)."""
    scrape: ScrapeTargetsArgs = ScrapeTargetsArgs()
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """E.g. the cluster's nodes and the StorageClass."""

    def __post_init__(self) -> None:
        if not 1 <= self.prometheus_replicas <= 5 or not 1 <= self.alertmanager_replicas <= 5:
            raise ValueError("prometheus_replicas and alertmanager_replicas must be between 1 and 5")
        if not 1 <= self.prometheus_retention_days <= 365:
            raise ValueError(f"prometheus_retention_days must be between 1 and 365, got {self.prometheus_retention_days}")
        if self.prometheus_storage_gb < 10 or self.alertmanager_storage_gb < 1 or self.grafana_storage_gb < 1:
            raise ValueError("prometheus_storage_gb must be >= 10, alertmanager/grafana storage >= 1")


def stack_values(args: MonitoringArgs) -> dict[str, Any]:
    """The kube-prometheus-stack values: plain data, nothing that waits for another area."""
    values: dict[str, Any] = render(
        VALUES_TEMPLATE,
        storage_class=args.storage_class,
        node_label_allowlist=[f"nodes=[{POOL_LABEL},{MODEL_LABEL}]"],
        # Replicas on different nodes where possible (a node loss keeps one Prometheus).
        anti_affinity="soft",
        operator_resources=Resources(cpu="100m", memory="256Mi").values(),
        prometheus={
            "replicas": args.prometheus_replicas,
            "retention": f"{args.prometheus_retention_days}d",
            "retention_size": f"{int(args.prometheus_storage_gb * 0.85)}GB",
            "storage_gb": args.prometheus_storage_gb,
            "resources": args.prometheus_resources.values(),
        },
        alertmanager={
            "enabled": args.enable_alertmanager,
            "config": alertmanager_config(args.routing),
            "replicas": args.alertmanager_replicas,
            "resources": Resources(cpu="50m", memory="128Mi").values(),
            "secrets": [RECEIVERS_SECRET],
            "storage_gb": args.alertmanager_storage_gb,
        },
        grafana={
            "admin_secret": GRAFANA_ADMIN_SECRET,
            "storage_gb": args.grafana_storage_gb,
            "resources": Resources(cpu="100m", memory="256Mi").values(),
            "dashboard_label": DASHBOARD_LABEL,
        },
    )
    if args.scrape.kafka == "msk":
        values["prometheus"]["prometheusSpec"]["additionalConfig"] = {"additionalScrapeConfigs": msk_scrape_secret()}
    return values


def msk_scrape_secret() -> dict[str, Any]:
    """Prometheus's ``additionalScrapeConfigs``: the Secret the Kafka area fills with MSK's brokers.

    By name, not by content, so the release never waits for MSK (about 30 minutes). Optional: the
    operator fails every reconcile while a required Secret is missing (LoadSecretRef in
    pkg/k8s/secrets.go, prometheus-operator v0.93.0), and Kafka writes it only once MSK exists.
    The chart's own ``additionalScrapeConfigsSecret`` renders only name and key
    (templates/prometheus/prometheus.yaml at kube-prometheus-stack-88.5.3), so the reference goes
    through ``prometheusSpec.additionalConfig`` (values.yaml at that tag), which is copied into
    the Prometheus spec as is.
    """
    return {"name": ADDITIONAL_SCRAPE_CONFIGS_SECRET, "key": ADDITIONAL_SCRAPE_CONFIGS_KEY, "optional": True}


class Monitoring(pulumi.ComponentResource):
    """kube-prometheus-stack with its CRDs, secrets, monitors, alert rules and dashboards."""

    namespace_name: str
    namespace_ready: pulumi.Resource
    """The monitoring namespace: what another area's object in it (Kafka's scrape Secret) waits for."""
    release: k8s.helm.v3.Release
    grafana_admin_secret_name: str

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.MONITORING, name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)
        # node-exporter mounts host paths and uses the host network.
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.namespace,
                labels={"app.kubernetes.io/managed-by": "mlinfra", "pod-security.kubernetes.io/enforce": "privileged"},
            ),
            opts=child,
        )
        crds = helm_addon(
            f"{name}-crds",
            HelmAddonArgs(
                chart=CRDS_CHART,
                namespace=args.namespace,
                create_namespace=False,
                values={"crds": {"annotations": {"helm.sh/resource-policy": "keep"}}},
                depends_on=[namespace],
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        secrets = [self._grafana_admin_secret(namespace), self._receivers_secret(namespace)]
        values: dict[str, Any] = stack_values(args)
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=STACK_CHART,
                namespace=args.namespace,
                create_namespace=False,
                values=values,
                timeout_seconds=900,
                # Only the release runs pods (and binds volumes): the namespace, CRDs and
                # secrets need the API server alone.
                depends_on=[namespace, crds, *secrets, *args.depends_on],
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self._monitors_and_rules(crds)
        self._dashboards(namespace)
        self.namespace_name = args.namespace
        self.namespace_ready = namespace
        self.grafana_admin_secret_name = GRAFANA_ADMIN_SECRET
        self.register_outputs({"namespace": self.namespace_name, "release_status": self.release.status})

    def _grafana_admin_secret(self, namespace: k8s.core.v1.Namespace) -> k8s.core.v1.Secret:
        opts = pulumi.ResourceOptions(parent=self, provider=self._args.k8s_provider)
        password = random.RandomPassword(
            f"{self._name}-grafana-admin-password",
            length=32,
            special=False,  # goes into URLs and shells unquoted; 32 alphanumerics ~ 190 bits
            opts=pulumi.ResourceOptions(parent=self),
        )
        return k8s.core.v1.Secret(
            f"{self._name}-grafana-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GRAFANA_ADMIN_SECRET, namespace=self._args.namespace),
            type="Opaque",
            # RandomPassword.result is a secret output already; the Secret's inputs stay secret.
            string_data={"admin-user": "admin", "admin-password": password.result},
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace])),
        )

    def _receivers_secret(self, namespace: k8s.core.v1.Namespace) -> k8s.core.v1.Secret:
        keys = receiver_secret_keys(self._args.routing)
        provided = pulumi.Output.from_input(self._args.receiver_secrets or {})
        # Only the keys the routing reads; values stay secret end to end.
        data: pulumi.Output[dict[str, str]] = pulumi.Output.secret(
            provided.apply(lambda d: {k: str(d[k]) for k in keys if k in d})
        )
        return k8s.core.v1.Secret(
            f"{self._name}-alertmanager-receivers",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=RECEIVERS_SECRET, namespace=self._args.namespace),
            type="Opaque",
            string_data=data,
            opts=pulumi.ResourceOptions(parent=self, provider=self._args.k8s_provider, depends_on=[namespace]),
        )

    def _monitors_and_rules(self, crds: pulumi.Resource) -> None:
        args = self._args
        for target in scrape_targets(args.scrape):
            custom_resource(
                f"{self._name}-{target.name}",
                target.kind,
                metadata_name=target.name,
                namespace=args.namespace,
                spec=target.spec,
                parent=self,
                provider=args.k8s_provider,
                depends_on=[crds],
            )
        for file_name, content in alert_rule_files(args.alert_rules).items():
            custom_resource(
                f"{self._name}-rules-{file_name}",
                "PrometheusRule",
                metadata_name=f"mlinfra-{file_name}",
                namespace=args.namespace,
                spec=content,
                parent=self,
                provider=args.k8s_provider,
                depends_on=[crds],
            )

    def _dashboards(self, namespace: k8s.core.v1.Namespace) -> None:
        for dashboard_name, dashboard in dashboard_files(self._args.dashboards).items():
            k8s.core.v1.ConfigMap(
                f"{self._name}-dashboard-{dashboard_name}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"dashboard-{dashboard_name}",
                    namespace=self._args.namespace,
                    labels={DASHBOARD_LABEL: "1", "app.kubernetes.io/managed-by": "mlinfra"},
                ),
                data={f"{dashboard_name}.json": json.dumps(dashboard, sort_keys=True)},
                opts=pulumi.ResourceOptions(parent=self, provider=self._args.k8s_provider, depends_on=[namespace]),
            )
