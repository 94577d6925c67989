"""Typical creation times per resource type, for `mlinfra plan --schedule`.

Each row is the wall time `pulumi up` typically spends creating one resource of that type
(the provider's create call plus the waiter that follows it), with where the number comes
from. They are estimates for planning, not guarantees: AWS times vary by region and load.
A type without a row takes its package's default (a few seconds for a plain API call).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# `pulumi up --parallel`: "Allow P resource operations to run in parallel at once (1 for no
# parallelism). Defaults to unbounded. (default 2147483647)" (CLI help, mirrored at
# https://fig.io/manual/pulumi/up). Older CLIs and `pulumi watch` default to 16
# (https://www.pulumi.com/docs/cli/commands/pulumi_watch/): `--parallel 16` models them.
DEFAULT_PARALLEL: int | None = None
"""None: unbounded, the `pulumi up` default."""


@dataclass(frozen=True)
class CreateTime:
    """How long creating one resource of a type typically takes."""

    seconds: float
    source: str
    """Where the number comes from (an AWS page, a provider issue thread, or why it is a guess)."""


_EKS_CP = "https://github.com/aws/containers-roadmap/issues/1227 (control plane 'averages 15 minutes', since reduced; ~10 min)"
_NODES = "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/1910 and rancher/terraform-provider-rancher2#966: 3-5 min when healthy"
_MSK = "https://github.com/mattclay/aws-terminator/pull/143 ('at least 30 (maybe 40) minutes'); akka/akka-guide#445 (up to 15)"
_NAT = "https://github.com/kubernetes/kops/pull/944 ('up to 5 min', Pending -> Available); usually 1-2 min"
_HELM = "pulumi_kubernetes helm.v3.Release waits for its workloads (components/_helm.py timeout 600 s); 1-3 min typical"
_ADDON = "EKS add-ons wait until ACTIVE: ~1 min for DaemonSet add-ons (vpc-cni, kube-proxy), CoreDNS needs nodes"
_TF_LOG = "apply log in https://github.com/terraform-aws-modules/terraform-aws-eks/issues/2203 (subnets 10 s, associations 1 s)"
_AWAIT = "pulumi_kubernetes awaits Deployments until their pods are Ready (needs nodes, image pulls): ~1 min"
_API = "one API call, no waiter: seconds"

CREATE_TIMES: Mapping[str, CreateTime] = MappingProxyType(
    {
        "aws:eks/cluster:Cluster": CreateTime(600, _EKS_CP),
        "aws:eks/nodeGroup:NodeGroup": CreateTime(240, _NODES),
        "aws:eks/addon:Addon": CreateTime(60, _ADDON),
        "aws:eks/podIdentityAssociation:PodIdentityAssociation": CreateTime(5, _API),
        "aws:eks/accessEntry:AccessEntry": CreateTime(5, _API),
        "aws:msk/cluster:Cluster": CreateTime(1800, _MSK),
        "aws:msk/configuration:Configuration": CreateTime(5, _API),
        "aws:msk/topic:Topic": CreateTime(10, "MSK topic API (control plane), returns when the topic exists: seconds"),
        "aws:ec2/natGateway:NatGateway": CreateTime(90, _NAT),
        "aws:ec2/subnet:Subnet": CreateTime(10, _TF_LOG),
        "aws:ec2/routeTableAssociation:RouteTableAssociation": CreateTime(1, _TF_LOG),
        "aws:ec2/vpc:Vpc": CreateTime(5, _TF_LOG),
        "aws:ec2/vpcEndpoint:VpcEndpoint": CreateTime(15, "Gateway endpoints are route-table entries: seconds"),
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": CreateTime(
            60, "the provider waits for the stream to become ACTIVE: about a minute"
        ),
        "aws:kms/key:Key": CreateTime(5, _API),
        "aws:iam/role:Role": CreateTime(3, _API + " (IAM is eventually consistent; the provider retries)"),
        "kubernetes:helm.sh/v3:Release": CreateTime(120, _HELM),
        "kubernetes:apps/v1:Deployment": CreateTime(60, _AWAIT),
    }
)

# Per package: what a type without its own row takes.
PACKAGE_DEFAULTS: Mapping[str, CreateTime] = MappingProxyType(
    {
        "aws": CreateTime(5, _API),
        "kubernetes": CreateTime(2, "one Kubernetes API call; pulumi_kubernetes only awaits workloads: seconds"),
        "random": CreateTime(0, "computed locally by the provider"),
        "pulumi": CreateTime(0, "providers and stack references are engine-side: no cloud call"),
    }
)
DEFAULT = CreateTime(5, _API)


def create_time(type_: str) -> CreateTime:
    """The typical creation time of one resource of ``type_`` (its row, else its package's default)."""
    if type_ in CREATE_TIMES:
        return CREATE_TIMES[type_]
    return PACKAGE_DEFAULTS.get(type_.split(":")[0], DEFAULT)
