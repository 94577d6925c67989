"""MSK open monitoring reaches Prometheus through a Secret the Kafka area writes, not the Helm values."""

from __future__ import annotations

import yaml

from components.catalog.prometheus import ADDITIONAL_SCRAPE_CONFIGS_KEY, ADDITIONAL_SCRAPE_CONFIGS_SECRET
from mlinfra.engine import Plan, unwrap_secrets
from mlinfra.schedule import tasks_of

SECRET = "kubernetes:core/v1:Secret"
RELEASE = "kubernetes:helm.sh/v3:Release"
MSK = "aws:msk/cluster:Cluster"


def _waits_for(plan: Plan, urn: str) -> set[str]:
    """Everything ``urn`` waits for, transitively (dependencies, property dependencies, parents, providers)."""
    waits = {t.urn: set(t.waits_for) for t in tasks_of(plan)}
    found, stack = set(), [urn]
    while stack:
        for dep in waits.get(stack.pop(), ()):
            if dep not in found:
                found.add(dep)
                stack.append(dep)
    return found


def test_monitoring_release_never_waits_for_msk(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "monitoring-release")
    msk = prod_plan.get(MSK, "kafka-msk")
    waits = _waits_for(prod_plan, release.urn)
    assert prod_plan.get("aws:eks/cluster:Cluster", "cluster-eks").urn in waits, "the premise: it waits for the cluster"
    assert msk.urn not in waits, f"{release.name} must not wait for {msk.name} (about 30 minutes)"
    secret = prod_plan.get(SECRET, "kafka-prometheus-scrape")
    assert msk.urn in _waits_for(prod_plan, secret.urn), "the scrape Secret is what waits for the brokers"


def test_scrape_secret_holds_every_broker_on_both_exporter_ports(prod_plan: Plan) -> None:
    secret = prod_plan.get(SECRET, "kafka-prometheus-scrape")
    metadata = secret.inputs["metadata"]
    assert (metadata["name"], metadata["namespace"]) == (ADDITIONAL_SCRAPE_CONFIGS_SECRET, "monitoring"), secret.name
    namespace = prod_plan.get("kubernetes:core/v1:Namespace", "monitoring-namespace")
    assert namespace.urn in secret.dependencies, f"{secret.name} waits for the monitoring namespace"
    configs = yaml.safe_load(unwrap_secrets(secret.inputs["stringData"])[ADDITIONAL_SCRAPE_CONFIGS_KEY])
    brokers = prod_plan.outputs["kafka_bootstrap_servers"]
    hosts = sorted({server.rsplit(":", 1)[0] for server in brokers.split(",")})
    assert len(hosts) == 3, brokers
    jobs = {c["job_name"]: c["static_configs"][0]["targets"] for c in configs}
    # MSK open monitoring: JMX exporter on 11001, node exporter on 11002 (the job names the rules use).
    assert jobs == {"msk-jmx": [f"{h}:11001" for h in hosts], "msk-node-exporter": [f"{h}:11002" for h in hosts]}
    # The reference Prometheus reads: the same Secret and key.
    values = prod_plan.get(RELEASE, "monitoring-release").inputs["values"]
    ref = values["prometheus"]["prometheusSpec"]["additionalConfig"]["additionalScrapeConfigs"]
    assert (ref["name"], ref["key"]) == (ADDITIONAL_SCRAPE_CONFIGS_SECRET, ADDITIONAL_SCRAPE_CONFIGS_KEY)


def test_strimzi_writes_no_scrape_secret(dev_plan: Plan) -> None:
    assert not [s for s in dev_plan.of_type(SECRET) if s.name == "kafka-prometheus-scrape"], "Strimzi brokers are pods"
