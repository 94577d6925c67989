"""What two areas agree on about Prometheus: the Secret of additional scrape configs and MSK's job names.

The Kafka area writes the Secret (MSK brokers live outside the cluster: static targets, known
only once the cluster exists); the monitoring area points Prometheus at it by this name, so the
kube-prometheus-stack release never waits for MSK. The alert rules select on the job names.
"""

from __future__ import annotations

# In the monitoring namespace; Prometheus reads it as `additionalScrapeConfigs` (a
# SecretKeySelector, marked optional: a stack without MSK has no such Secret).
ADDITIONAL_SCRAPE_CONFIGS_SECRET = "additional-scrape-configs"
ADDITIONAL_SCRAPE_CONFIGS_KEY = "scrape-configs.yaml"

# The `job` label of MSK's open-monitoring targets (templates/alerts/kafka.yaml.j2 selects on them).
MSK_JMX_JOB = "msk-jmx"
MSK_NODE_JOB = "msk-node-exporter"
