"""LoadBalancerController: the AWS Load Balancer Controller with its own Pod Identity role.

It provisions the Network Load Balancer in front of the Istio ingress gateway (any Service
with ``loadBalancerClass: service.k8s.aws/nlb``). The role carries the controller's
upstream IAM policy, unchanged: templates/iam/aws-load-balancer-controller.json is
docs/install/iam_policy.json of kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0
(https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/docs/install/iam_policy.json),
the tag matching the chart below. Upgrade both together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components._iam import pod_identity_trust
from components.catalog import tokens
from components.render import TEMPLATES_DIR, render

# Upstream: https://github.com/aws/eks-charts (stable/aws-load-balancer-controller), chart
# 3.5.0 = controller v3.5.0. Values checked against the chart's values.yaml at that version.
LOAD_BALANCER_CONTROLLER_CHART = HelmChart(
    name="aws-load-balancer-controller", repository="https://aws.github.io/eks-charts", version="3.5.0"
)
IAM_POLICY_FILE = TEMPLATES_DIR / "iam" / "aws-load-balancer-controller.json"
VALUES_TEMPLATE = "helm/aws-load-balancer-controller.yaml.j2"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
NLB_CLASS = "service.k8s.aws/nlb"
"""``loadBalancerClass`` of the Services this controller turns into Network Load Balancers."""


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    """Inputs of LoadBalancerController."""

    cluster_name: str
    """EKS cluster name as a literal (the controller tags what it creates with it)."""
    eks_cluster_name: pulumi.Input[str]
    """The cluster resource's name output (the Pod Identity association waits for it)."""
    region: str
    vpc_id: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the role, and default tags of every load balancer the controller creates."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist first (the nodes the controller runs on)."""


def iam_policy() -> str:
    """The upstream IAM policy document (JSON text, normalised)."""
    return json.dumps(json.loads(IAM_POLICY_FILE.read_text(encoding="utf-8")), sort_keys=True)


def load_balancer_controller_values(args: LoadBalancerControllerArgs) -> dict[str, Any]:
    values: dict[str, Any] = render(
        VALUES_TEMPLATE,
        chart_version=LOAD_BALANCER_CONTROLLER_CHART.version,
        cluster_name=args.cluster_name,
        region=args.region,
        service_account=SERVICE_ACCOUNT,
        tags=dict(args.tags),
    )
    return values


class LoadBalancerController(pulumi.ComponentResource):
    """IAM role (upstream policy) + Pod Identity association + the controller's Helm release."""

    role: aws.iam.Role
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: LoadBalancerControllerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.LOAD_BALANCER_CONTROLLER, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            description="AWS Load Balancer Controller (EKS Pod Identity): load balancers of annotated Services",
            assume_role_policy=pod_identity_trust(args.eks_cluster_name, NAMESPACE, SERVICE_ACCOUNT),
            tags={**args.tags, "Name": f"{name}-role"},
            opts=child,
        )
        policy = aws.iam.Policy(
            f"{name}-policy",
            description="Upstream policy of the AWS Load Balancer Controller v3.5.0",
            policy=iam_policy(),
            tags={**args.tags, "Name": f"{name}-policy"},
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(f"{name}-policy", role=self.role.name, policy_arn=policy.arn, opts=child)
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=args.eks_cluster_name,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            role_arn=self.role.arn,
            tags={**args.tags, "Name": f"{name}-pod-identity"},
            opts=child,
        )
        values = {**load_balancer_controller_values(args), "vpcId": args.vpc_id}
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=LOAD_BALANCER_CONTROLLER_CHART,
                namespace=NAMESPACE,
                values=values,
                # Credentials must exist before the first pod starts.
                depends_on=[*args.depends_on, association, attachment],
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self.register_outputs({"role_arn": self.role.arn, "release_status": self.release.status})
