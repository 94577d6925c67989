"""apiVersion of every custom-resource kind the platform creates (components/_crd.py reads it).

Only stable APIs: Strimzi ``kafka.strimzi.io/v1`` (Strimzi 1.x removed v1beta2), Istio v1,
Prometheus Operator ``monitoring.coreos.com/v1``. A kind missing here cannot be created.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CRD_API_VERSIONS: Mapping[str, str] = MappingProxyType(
    {
        # Strimzi (https://strimzi.io/docs/operators/latest/configuring.html)
        "Kafka": "kafka.strimzi.io/v1",
        "KafkaNodePool": "kafka.strimzi.io/v1",
        "KafkaTopic": "kafka.strimzi.io/v1",
        "KafkaUser": "kafka.strimzi.io/v1",
        "KafkaConnect": "kafka.strimzi.io/v1",
        "KafkaConnector": "kafka.strimzi.io/v1",
        # Istio (https://istio.io/latest/docs/reference/config/)
        "PeerAuthentication": "security.istio.io/v1",
        "AuthorizationPolicy": "security.istio.io/v1",
        "Gateway": "networking.istio.io/v1",
        "VirtualService": "networking.istio.io/v1",
        "DestinationRule": "networking.istio.io/v1",
        "Telemetry": "telemetry.istio.io/v1",
        # Prometheus Operator (https://prometheus-operator.dev/docs/api-reference/api/)
        "ServiceMonitor": "monitoring.coreos.com/v1",
        "PodMonitor": "monitoring.coreos.com/v1",
        "PrometheusRule": "monitoring.coreos.com/v1",
    }
)
