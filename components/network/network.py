"""Network: the VPC the cluster lives in.

Public subnets hold only NAT gateways and internet-facing load balancers; nodes, pods and
the EKS control-plane interfaces sit in private subnets that leave through NAT.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._iam import policy_document
from components._kms import logs_key_policy, rotating_key
from components._tags import named_tags
from components.catalog import tokens
from components.network.validation import MAX_AZS, MIN_AZS, NAT_GATEWAY_MODES, NatGateways, vpc_cidr_problem


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of a Network."""

    cidr: str
    """VPC IPv4 CIDR (validated by the settings: private, /16../20)."""
    availability_zones: pulumi.Input[Sequence[str]]
    """AZ names to choose from (the region's available AZs); the first ``az_count`` are used."""
    az_count: int
    """How many AZs the subnets span."""
    region: str
    """Region, for the S3 gateway endpoint's service name."""
    cluster_name: str
    """EKS cluster name, for the ``kubernetes.io/cluster/<name>`` subnet tags."""
    nat_gateways: NatGateways = "one_per_az"
    """One shared NAT gateway, or one per AZ so an AZ outage cannot cut the others off."""
    flow_log_retention_days: int = 365
    """CloudWatch retention of the VPC flow logs."""
    enable_protection: bool = True
    """Protect and retain the flow-log group and its key (prod): logs are evidence."""
    account_id: pulumi.Input[str] = ""
    """The AWS account: the flow-log key's policy names the account root and the log group's ARN."""
    partition: pulumi.Input[str] = "aws"
    kms_deletion_window_days: int = 30
    """Waiting period before a scheduled deletion of the flow-log key takes effect."""
    kms_admin_role_arns: tuple[str, ...] = ()
    """IAM roles that administer (never use) the flow-log key (components/_kms.py key_policy)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable child (environment, managed-by, cost-center...)."""

    def __post_init__(self) -> None:
        if not MIN_AZS <= self.az_count <= MAX_AZS:
            raise ValueError(f"az_count must be between {MIN_AZS} and {MAX_AZS} (EKS needs two AZs), got {self.az_count}")
        if self.nat_gateways not in NAT_GATEWAY_MODES:
            raise ValueError(f"nat_gateways must be one of {sorted(NAT_GATEWAY_MODES)}, got {self.nat_gateways!r}")
        if problem := vpc_cidr_problem(self.cidr):
            raise ValueError(f"cidr {problem}")


def _nth(names: pulumi.Output[Sequence[str]], i: int) -> pulumi.Output[str]:
    return names.apply(lambda values: values[i])


def plan_subnets(cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """Split the VPC into large private subnets (pods take VPC IPs) and small public ones.

    The VPC is cut into 8 equal blocks: block i is AZ i's private subnet; the last block is
    cut into 8 again for the public subnets. A /16 gives /19 private and /22 public subnets.
    """
    vpc = ipaddress.IPv4Network(cidr)
    if not 1 <= az_count <= 6:
        raise ValueError(f"az_count must be between 1 and 6, got {az_count}")
    blocks = list(vpc.subnets(prefixlen_diff=3))
    private = [str(b) for b in blocks[:az_count]]
    public = [str(b) for b in list(blocks[-1].subnets(prefixlen_diff=3))[:az_count]]
    return private, public


class Network(pulumi.ComponentResource):
    """VPC, public/private subnets, internet and NAT gateways, routes, S3 endpoint, flow logs."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    """The VPC's IPv4 block (security groups admit clients from it)."""
    private_subnet_ids: pulumi.Output[list[str]]
    """One per AZ, in AZ order: nodes, the control plane's interfaces, brokers."""
    public_subnet_ids: pulumi.Output[list[str]]
    """One per AZ: NAT gateways and internet-facing load balancers only."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.NETWORK, name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)

        self._vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,  # EKS private endpoint resolution needs both DNS flags
            enable_dns_support=True,
            tags=self._tags(f"{name}-vpc"),
            opts=child,
        )
        private_cidrs, public_cidrs = plan_subnets(args.cidr, args.az_count)
        azs = pulumi.Output.from_input(args.availability_zones)
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}

        self._public_subnets: list[aws.ec2.Subnet] = []
        self._private_subnets: list[aws.ec2.Subnet] = []
        for i in range(args.az_count):
            az = _nth(azs, i)
            self._public_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-public-{i}",
                    vpc_id=self._vpc.id,
                    cidr_block=public_cidrs[i],
                    availability_zone=az,
                    map_public_ip_on_launch=False,  # nothing but NAT and load balancers lives here
                    tags=self._tags(f"{name}-public-{i}", {**cluster_tag, "kubernetes.io/role/elb": "1"}),
                    opts=child,
                )
            )
            self._private_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-private-{i}",
                    vpc_id=self._vpc.id,
                    cidr_block=private_cidrs[i],
                    availability_zone=az,
                    tags=self._tags(f"{name}-private-{i}", {**cluster_tag, "kubernetes.io/role/internal-elb": "1"}),
                    opts=child,
                )
            )

        self._create_routing()
        self._create_s3_endpoint()
        self._create_flow_logs()
        self._close_default_security_group()

        self.vpc_id = self._vpc.id
        self.vpc_cidr = args.cidr
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in self._private_subnets])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in self._public_subnets])
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
            }
        )

    def _tags(self, name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return named_tags(self._args.tags, name, extra)

    def _create_routing(self) -> None:
        name, args = self._name, self._args
        child = pulumi.ResourceOptions(parent=self)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self._vpc.id, tags=self._tags(f"{name}-igw"), opts=child)
        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=self._vpc.id, tags=self._tags(f"{name}-public"), opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        for i, subnet in enumerate(self._public_subnets):
            aws.ec2.RouteTableAssociation(f"{name}-public-{i}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child)

        nat_count = 1 if args.nat_gateways == "single" else args.az_count
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", tags=self._tags(f"{name}-nat-{i}"), opts=child)
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.allocation_id,
                    subnet_id=self._public_subnets[i].id,
                    connectivity_type="public",
                    tags=self._tags(f"{name}-nat-{i}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )

        # One private route table per AZ even with a single NAT: switching to one NAT per
        # AZ later then changes routes only, never the tables or their associations.
        self.private_route_tables: list[aws.ec2.RouteTable] = []
        for i, subnet in enumerate(self._private_subnets):
            rt = aws.ec2.RouteTable(
                f"{name}-private-{i}", vpc_id=self._vpc.id, tags=self._tags(f"{name}-private-{i}"), opts=child
            )
            aws.ec2.Route(
                f"{name}-private-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=self.nat_gateways[i % nat_count].id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=subnet.id, route_table_id=rt.id, opts=child)
            self.private_route_tables.append(rt)

    def _create_s3_endpoint(self) -> None:
        # S3 traffic (the data lake, images layers from ECR) skips NAT: cheaper and private.
        aws.ec2.VpcEndpoint(
            f"{self._name}-s3",
            vpc_id=self._vpc.id,
            service_name=f"com.amazonaws.{self._args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in self.private_route_tables],
            tags=self._tags(f"{self._name}-s3"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _close_default_security_group(self) -> None:
        # Every VPC comes with a default security group that lets its members reach each other;
        # anything launched without a group lands in it. Adopting it with no rules removes them
        # (CIS AWS Foundations 5.4); Pulumi leaves the group itself in place on delete.
        aws.ec2.DefaultSecurityGroup(
            f"{self._name}-default-sg",
            vpc_id=self._vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags(f"{self._name}-default-sg"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_flow_logs(self) -> None:
        log_group = self._create_flow_log_group()
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        role = self._flow_log_role(log_group, child)
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=self._vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags(f"{name}-flow-logs"),
            opts=child,
        )

    def _create_flow_log_group(self) -> aws.cloudwatch.LogGroup:
        """The encrypted log group the flow logs go to, with its own rotating key (both kept in prod)."""
        name, args = self._name, self._args
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.enable_protection, retain_on_delete=args.enable_protection)
        # A named group: the key policy lets CloudWatch Logs use the key for this group only.
        group_name = f"/mlinfra/{args.cluster_name}/vpc-flow-logs"
        key = rotating_key(
            f"{name}-flow-logs",
            alias=f"{args.cluster_name}-vpc-flow-logs",
            description=f"VPC flow logs of {args.cluster_name}",
            deletion_window_days=args.kms_deletion_window_days,
            tags=self._tags(f"{name}-flow-logs"),
            opts=keep,
            alias_opts=child,
            policy=logs_key_policy(
                partition=args.partition,
                account_id=args.account_id,
                region=args.region,
                log_group_names=[group_name],
                admin_role_arns=args.kms_admin_role_arns,
            ),
        )
        return aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=key.arn,
            tags=self._tags(f"{name}-flow-logs"),
            opts=keep,
        )

    def _flow_log_role(self, log_group: aws.cloudwatch.LogGroup, opts: pulumi.ResourceOptions) -> aws.iam.Role:
        name, args = f"{self._name}-flow-logs", self._args
        trust = pulumi.Output.all(args.partition, args.account_id).apply(
            lambda v: flow_logs_trust_policy(v[0], args.region, v[1])
        )
        role = aws.iam.Role(name, assume_role_policy=trust, tags=self._tags(name), opts=opts)
        aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                    }
                ]
            ),
            opts=opts,
        )
        return role


def flow_logs_trust_policy(partition: str, region: str, account: str) -> str:
    """The flow-log role's trust policy: only VPC Flow Logs, acting for a flow log of this account
    in this region, may assume it (confused-deputy guard). AWS's recommended condition block,
    with the flow log's ID a wildcard: the flow log names the role, so the role comes first.
    https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": ["sts:AssumeRole"],
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"},
                    },
                }
            ],
        },
        sort_keys=True,
    )
