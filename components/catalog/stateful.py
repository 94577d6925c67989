"""Resource types that hold data or identity, and which input changes replace them.

The project standard: buckets, KMS keys, Kafka and the cluster must never be lost by
accident. `mlinfra diff` reports deleting or replacing any of these types as a finding; the
`mlinfra-stateful-resources-protected` policy requires ``protect`` on those marked
``protect_in_prod`` (prod's policy config applies it as mandatory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class StatefulType:
    """What is lost with a resource of this type, and what forces its replacement."""

    what: str
    """For people: what a delete or replace destroys."""
    replace_on_change: tuple[str, ...]
    """Input properties (wire names; dotted = nested) whose change forces a new resource."""
    protect_in_prod: bool = True
    """Prod creates it with protect + retainOnDelete (the protected-resources policy checks)."""


# Replace-on-change sources: the pulumi_aws 7.51 docstrings in site-packages where they say so
# ("Changing this value will force a new cluster to be created": eks.Cluster
# bootstrap_self_managed_addons, kubernetes_network_config ip_family / service_ipv4_cidr),
# otherwise `ForceNew: true` in the schema of the upstream Terraform provider that pulumi-aws
# bridges (https://github.com/hashicorp/terraform-provider-aws, internal/service/{s3/bucket.go,
# kms/key.go, eks/cluster.go, glue/catalog_database.go, kafka/cluster.go, logs/group.go}).
# Only properties found there are listed; anything else is treated as an in-place update.
STATEFUL_TYPES: Mapping[str, StatefulType] = MappingProxyType(
    {
        "aws:s3/bucket:Bucket": StatefulType("S3 bucket (its objects)", ("bucket", "bucketPrefix")),
        "aws:kms/key:Key": StatefulType(
            "KMS key (everything encrypted with it)", ("customerMasterKeySpec", "keyUsage", "multiRegion")
        ),
        "aws:eks/cluster:Cluster": StatefulType(
            "EKS cluster (every workload on it)",
            (
                "name",
                "roleArn",
                "bootstrapSelfManagedAddons",
                "accessConfig.bootstrapClusterCreatorAdminPermissions",
                "kubernetesNetworkConfig.ipFamily",
                "kubernetesNetworkConfig.serviceIpv4Cidr",
                "remoteNetworkConfig",
            ),
        ),
        "aws:glue/catalogDatabase:CatalogDatabase": StatefulType(
            "Glue database (its table definitions)", ("name", "catalogId", "targetDatabase")
        ),
        "aws:msk/cluster:Cluster": StatefulType(
            "MSK cluster (its topics)", ("clusterName", "encryptionInfo.encryptionAtRestKmsKeyArn")
        ),
        # A topic is identified by its cluster and name: changing either is another topic (the
        # old one and its messages are deleted).
        "aws:msk/topic:Topic": StatefulType("MSK topic (its messages)", ("clusterArn", "name")),
        # Strimzi objects (components/kafka/_strimzi_cluster.py): a Kubernetes object is replaced when its
        # name or namespace changes; a replaced Kafka or node pool takes its brokers' volumes with
        # it, a replaced KafkaTopic deletes the topic.
        "kubernetes:kafka.strimzi.io/v1:Kafka": StatefulType(
            "Strimzi Kafka cluster (every topic on it)", ("metadata.name", "metadata.namespace")
        ),
        "kubernetes:kafka.strimzi.io/v1:KafkaNodePool": StatefulType(
            "Strimzi node pool (its brokers and their data)", ("metadata.name", "metadata.namespace")
        ),
        "kubernetes:kafka.strimzi.io/v1:KafkaTopic": StatefulType(
            "Strimzi topic (its messages)", ("metadata.name", "metadata.namespace", "spec.topicName")
        ),
        # Not data, but losing it silently ends the lake's disaster-recovery copy (the replica
        # stops receiving writes): a delete is a finding and prod protects it. `bucket` is ForceNew.
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig": StatefulType(
            "S3 replication configuration (the zone's copy in the second region stops updating)", ("bucket",)
        ),
        # Logs are evidence (flow logs, the control plane's audit log, broker logs).
        "aws:cloudwatch/logGroup:LogGroup": StatefulType(
            "CloudWatch log group (its logs)", ("name", "namePrefix", "logGroupClass")
        ),
    }
)

PROTECTED_IN_PROD: tuple[str, ...] = tuple(t for t, s in STATEFUL_TYPES.items() if s.protect_in_prod)
