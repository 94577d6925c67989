"""ClusterAutoscaler: the Kubernetes cluster-autoscaler with a Pod Identity role.

It discovers this cluster's managed node groups by their tags, scales GPU pools up from
zero (from the pools' node-template tags and the EKS DescribeNodegroup API) and back down
by GPU utilisation. Its IAM role may only resize Auto Scaling groups tagged as owned by
this cluster.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components._iam import pod_identity_trust
from components.catalog import tokens
from components.catalog.kubernetes import CLUSTER_AUTOSCALER_IMAGE_TAGS
from components.catalog.namespaces import KUBE_SYSTEM
from components.catalog.shared import AUTOSCALER_TAG, SYSTEM_NODE_LABEL
from components.render import render

# Upstream: https://github.com/kubernetes/autoscaler (cluster-autoscaler/charts/cluster-autoscaler),
# repository https://kubernetes.github.io/autoscaler. Values checked against the chart at 9.59.0.
CLUSTER_AUTOSCALER_CHART = HelmChart(
    name="cluster-autoscaler", repository="https://kubernetes.github.io/autoscaler", version="9.59.0"
)
# The image tag follows the cluster's minor version: components/catalog/kubernetes.py.
IMAGE_TAGS = CLUSTER_AUTOSCALER_IMAGE_TAGS
VALUES_TEMPLATE = "helm/cluster-autoscaler.yaml.j2"
NAMESPACE = KUBE_SYSTEM
SERVICE_ACCOUNT = "cluster-autoscaler"

# Read-only calls; AWS does not support resource-level permissions for them.
_DESCRIBE_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)
SCALE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    """Inputs of ClusterAutoscaler."""

    cluster_name: str
    """EKS cluster name as a literal (auto-discovery and the IAM condition use it)."""
    eks_cluster_name: pulumi.Input[str]
    """The cluster resource's name output (the Pod Identity association waits for it)."""
    cluster_arn: pulumi.Input[str]
    """Scopes eks:DescribeNodegroup to this cluster's node groups."""
    region: str
    kubernetes_version: str
    k8s_provider: pulumi.ProviderResource
    expander: Literal["least-waste", "least-nodes", "most-pods", "random"] = "least-waste"
    scale_down_delay_after_add: str = "10m"
    scale_down_unneeded_time: str = "10m"
    scale_down_utilization_threshold: float = 0.5
    scale_down_gpu_utilization_threshold: float = 0.5
    max_node_provision_time: str = "15m"
    system_node_label: str = SYSTEM_NODE_LABEL
    """Label (value ``system``) of the nodes the autoscaler itself runs on."""
    tags: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()
    """The cluster's system nodes: the release waits for its pods, which need nodes to run on."""

    def __post_init__(self) -> None:
        if self.kubernetes_version not in IMAGE_TAGS:
            raise ValueError(f"kubernetes_version must be one of {sorted(IMAGE_TAGS)}, got {self.kubernetes_version!r}")


def cluster_autoscaler_values(args: ClusterAutoscalerArgs) -> dict[str, Any]:
    """The chart values: templates/helm/cluster-autoscaler.yaml.j2 rendered and parsed."""
    return render(
        VALUES_TEMPLATE,
        chart_version=CLUSTER_AUTOSCALER_CHART.version,
        region=args.region,
        cluster_name=args.cluster_name,
        image_tag=IMAGE_TAGS[args.kubernetes_version],
        service_account=SERVICE_ACCOUNT,
        system_node_label=args.system_node_label,
        expander=args.expander,
        scale_down_delay_after_add=args.scale_down_delay_after_add,
        scale_down_unneeded_time=args.scale_down_unneeded_time,
        scale_down_utilization_threshold=args.scale_down_utilization_threshold,
        scale_down_gpu_utilization_threshold=args.scale_down_gpu_utilization_threshold,
        max_node_provision_time=args.max_node_provision_time,
    )


def autoscaler_policy(cluster_name: str, nodegroup_arn_pattern: str) -> str:
    """The role's policy: describe anything, resize only ASGs this cluster owns."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Describe", "Effect": "Allow", "Action": list(_DESCRIBE_ACTIONS), "Resource": "*"},
                {
                    # Managed node group labels and taints, for scale-from-zero.
                    "Sid": "DescribeOwnNodegroups",
                    "Effect": "Allow",
                    "Action": ["eks:DescribeNodegroup"],
                    "Resource": nodegroup_arn_pattern,
                },
                {
                    "Sid": "ResizeOwnNodeGroups",
                    "Effect": "Allow",
                    "Action": list(SCALE_ACTIONS),
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            f"aws:ResourceTag/{AUTOSCALER_TAG}/{cluster_name}": "owned",
                            f"aws:ResourceTag/{AUTOSCALER_TAG}/enabled": "true",
                        }
                    },
                },
            ],
        },
        sort_keys=True,
    )


class ClusterAutoscaler(pulumi.ComponentResource):
    """IAM role + Pod Identity association + the cluster-autoscaler Helm release."""

    role: aws.iam.Role
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.CLUSTER_AUTOSCALER, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, "Name": f"{name}-role"}
        trust = pod_identity_trust(args.eks_cluster_name, NAMESPACE, SERVICE_ACCOUNT)
        self.role = aws.iam.Role(f"{name}-role", assume_role_policy=trust, tags=tags, opts=child)
        # arn:aws:eks:<region>:<account>:cluster/<name> -> ...:nodegroup/<name>/<group>/<uuid>
        nodegroups = pulumi.Output.from_input(args.cluster_arn).apply(
            lambda arn: arn.replace(":cluster/", ":nodegroup/", 1) + "/*/*"
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.name,
            policy=nodegroups.apply(lambda pattern: autoscaler_policy(args.cluster_name, pattern)),
            opts=child,
        )
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=args.eks_cluster_name,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            role_arn=self.role.arn,
            tags={**args.tags, "Name": f"{name}-pod-identity"},
            opts=child,
        )
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=CLUSTER_AUTOSCALER_CHART,
                namespace=NAMESPACE,
                values=cluster_autoscaler_values(args),
                # Credentials must exist before the first pod starts.
                depends_on=(association, policy, *args.depends_on),
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self.register_outputs({"role_arn": self.role.arn, "release_status": self.release.status})
