"""Service accounts of platform add-ons that other areas authorize by name (plain facts).

Each is what the add-on's pinned chart names it, with the release name the platform gives it;
the tests derive the same name from the recorded plan's release by the chart's own rule.
"""

from __future__ import annotations

# kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts, tag kube-prometheus-stack-88.5.3):
# charts/kube-prometheus-stack/templates/_helpers.tpl "kube-prometheus-stack.prometheus.serviceAccountName"
# = <fullname>-prometheus (values.yaml prometheus.serviceAccount: create true, name ""), and
# "kube-prometheus-stack.fullname" = the release name (it contains the chart name), cut at 26
# characters. The platform's release is "kube-prometheus-stack" (components/monitoring/monitoring.py).
PROMETHEUS_SERVICE_ACCOUNT = "kube-prometheus-stack-prometheus"
"""The ServiceAccount the Prometheus pods run as, in the monitoring namespace."""
