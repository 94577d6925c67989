"""Component type tokens, ``mlinfra:<area>:<Class>``, chosen once (they are part of every URN).

Renaming one re-creates every child of every stack that has it unless the component passes
``aliases`` with the old token (UPGRADING.md). Areas name what a component is for, never the
class again (no stutter such as ``mlinfra:cluster:Cluster``).
"""

from __future__ import annotations

NETWORK = "mlinfra:foundation:Network"
CLUSTER = "mlinfra:compute:Cluster"
GPU_NODE_GROUPS = "mlinfra:compute:GpuNodeGroups"
GPU_OPERATOR = "mlinfra:addons:GpuOperator"
CLUSTER_AUTOSCALER = "mlinfra:addons:ClusterAutoscaler"
EFA_DEVICE_PLUGIN = "mlinfra:addons:EfaDevicePlugin"
DATA_LAKE = "mlinfra:storage:DataLake"
TEAM = "mlinfra:tenancy:Team"
KAFKA_CLUSTER = "mlinfra:streaming:KafkaCluster"
# The per-team half of KafkaCluster, in a tenants stack (stacks/tenants.py).
KAFKA_TEAMS = "mlinfra:streaming:KafkaTeams"
SERVICE_MESH = "mlinfra:traffic:ServiceMesh"
TEAM_AUTHORIZATION = "mlinfra:traffic:TeamAuthorization"
LOAD_BALANCER_CONTROLLER = "mlinfra:addons:LoadBalancerController"
MODEL_ENDPOINT = "mlinfra:serving:ModelEndpoint"
MONITORING = "mlinfra:observability:Monitoring"
METRICS_SERVER = "mlinfra:addons:MetricsServer"
