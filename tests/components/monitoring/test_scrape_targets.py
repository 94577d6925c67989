"""What Prometheus scrapes: each target on its own switch, selectors and ports as upstream publishes them."""

from __future__ import annotations

import pytest

from components.monitoring.scrape_targets import MSK_NODE_JOB, ScrapeTargetsArgs, scrape_targets


def test_everything_off_scrapes_nothing() -> None:
    off = ScrapeTargetsArgs(enable_dcgm=False, enable_model_servers=False, enable_cluster_autoscaler=False)
    assert scrape_targets(off) == []


def test_defaults_scrape_gpus_model_servers_and_autoscaler_without_mesh_or_kafka() -> None:
    targets = {t.name: t for t in scrape_targets(ScrapeTargetsArgs())}
    assert sorted(targets) == ["cluster-autoscaler", "dcgm-exporter", "model-servers"]
    dcgm = targets["dcgm-exporter"]
    assert dcgm.kind == "ServiceMonitor" and dcgm.spec["selector"] == {"matchLabels": {"app": "nvidia-dcgm-exporter"}}
    endpoint = dcgm.spec["endpoints"][0]
    assert endpoint["port"] == "gpu-metrics" and endpoint["honorLabels"] is False
    assert endpoint["relabelings"][0]["targetLabel"] == "node", "the GPU alerts and the inhibition need `node`"
    servers = targets["model-servers"].spec
    assert servers["selector"] == {"matchLabels": {"app.kubernetes.io/component": "model-server"}}
    assert servers["namespaceSelector"] == {"any": True}
    relabel = {r["targetLabel"]: r for r in servers["podMetricsEndpoints"][0]["relabelings"] if "targetLabel" in r}
    assert relabel["__metrics_path__"]["sourceLabels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_path"]
    assert relabel["version"]["sourceLabels"] == ["__meta_kubernetes_pod_label_version"], "canary split by version"


def test_mesh_adds_istiod_and_every_sidecar_which_then_serves_the_model_servers() -> None:
    targets = {t.name: t for t in scrape_targets(ScrapeTargetsArgs(enable_mesh=True))}
    assert targets["istiod"].spec["endpoints"][0]["port"] == "http-monitoring"
    sidecars = targets["envoy-sidecars"]
    assert sidecars.kind == "PodMonitor" and sidecars.spec["namespaceSelector"] == {"any": True}
    endpoint = sidecars.spec["podMetricsEndpoints"][0]
    assert endpoint["path"] == "/stats/prometheus", "Istio's merged metrics (Envoy + the app's)"
    keep = endpoint["relabelings"][0]
    assert keep == {"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_name"], "regex": "istio-proxy"}
    assert "model-servers" not in targets, "under STRICT mTLS only the sidecar's merged endpoint is reachable"
    # The ml_inference_* recording rules keep model servers by this label.
    copied = {r["targetLabel"]: r["sourceLabels"] for r in endpoint["relabelings"] if "targetLabel" in r}
    assert copied["component"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], sidecars.name


def test_strimzi_adds_one_pod_monitor_for_brokers_and_the_kafka_exporter() -> None:
    targets = {t.name: t for t in scrape_targets(ScrapeTargetsArgs(kafka="strimzi"))}
    strimzi = targets["strimzi-kafka"]
    assert strimzi.spec["namespaceSelector"] == {"matchNames": ["kafka"]}
    assert strimzi.spec["podMetricsEndpoints"][0]["port"] == "tcp-prometheus"


def test_msk_is_scraped_by_static_configs_not_monitors() -> None:
    targets = scrape_targets(ScrapeTargetsArgs(kafka="msk"))
    assert all("kafka" not in t.name for t in targets), "MSK brokers are outside the cluster"
    assert MSK_NODE_JOB == "msk-node-exporter", "the KafkaDiskNearFull rule selects on this job"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kafka": "confluent"}, r"kafka must be one of \['off', 'strimzi', 'msk'\]"),
    ],
)
def test_bad_kafka_settings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScrapeTargetsArgs(**kwargs)  # type: ignore[arg-type]
