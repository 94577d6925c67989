"""MSK open monitoring for Prometheus: the brokers' scrape configs, in a Secret of the monitoring namespace.

MSK brokers live outside the cluster, so Prometheus scrapes them from a static list that
exists only once the cluster does (about 30 minutes). Carrying that list in the
kube-prometheus-stack values made the whole monitoring release wait for MSK; here the Kafka
area writes it to the Secret the monitoring area points Prometheus at
(components/catalog/prometheus.py), and the release starts with the cluster's nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.catalog.prometheus import (
    ADDITIONAL_SCRAPE_CONFIGS_KEY,
    ADDITIONAL_SCRAPE_CONFIGS_SECRET,
    MSK_JMX_JOB,
    MSK_NODE_JOB,
)
from components.kafka._msk import JMX_EXPORTER_PORT, NODE_EXPORTER_PORT


@dataclass(frozen=True)
class PrometheusTarget:
    """Where the MSK brokers' scrape configs go."""

    namespace: str
    """The monitoring namespace (Prometheus reads additional scrape configs from its own namespace)."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    """What must exist first: the monitoring namespace."""


def scrape_configs(hosts: Sequence[str]) -> list[dict[str, Any]]:
    """Prometheus scrape configs (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config)
    for both open-monitoring exporters on every broker; the job names are what the Kafka rules select on."""
    return [
        {
            "job_name": job,
            "scrape_interval": "60s",
            "static_configs": [{"targets": [f"{h}:{port}" for h in sorted(hosts)]}],
        }
        for job, port in ((MSK_JMX_JOB, JMX_EXPORTER_PORT), (MSK_NODE_JOB, NODE_EXPORTER_PORT))
    ]


def create_scrape_secret(
    name: str,
    hosts: pulumi.Output[list[str]],
    target: PrometheusTarget,
    *,
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
) -> k8s.core.v1.Secret:
    """The Secret ``ADDITIONAL_SCRAPE_CONFIGS_SECRET`` with the brokers' scrape configs (YAML, as Prometheus reads them)."""
    return k8s.core.v1.Secret(
        f"{name}-prometheus-scrape",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=ADDITIONAL_SCRAPE_CONFIGS_SECRET,
            namespace=target.namespace,
            labels={"app.kubernetes.io/managed-by": "mlinfra", "app.kubernetes.io/component": "kafka"},
        ),
        type="Opaque",
        string_data={ADDITIONAL_SCRAPE_CONFIGS_KEY: hosts.apply(lambda hs: yaml.safe_dump(scrape_configs(hs), sort_keys=True))},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(target.depends_on)),
    )
