"""Settings of the VPC (stack keys ``mlinfra:availability_zones``, ``nat_gateways``, ``vpc_cidr``,
``flow_log_retention_days``) and their mapping to ``NetworkArgs``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import Field, field_validator

from components.catalog.regions import region_az_names
from components.network.validation import (
    MAX_AZS,
    MIN_AZS,
    NatGateways,
    log_retention_problem,
    parse_ipv4_network,
    vpc_cidr_problem,
)
from stacks.area import Area, CoreStack, Model, Outputs
from stacks.context import AWS, NETWORK, NetworkFacts, PlatformContext
from stacks.errors import Problem

if TYPE_CHECKING:
    import pulumi

    from components.network import NetworkArgs


class NetworkStack(CoreStack, Protocol):
    """What the network area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def availability_zones(self) -> int: ...

    @property
    def vpc_cidr(self) -> str: ...

    @property
    def nat_gateways(self) -> NatGateways: ...

    @property
    def flow_log_retention_days(self) -> int: ...


def _problems(settings: NetworkStack, source: str) -> list[Problem]:
    azs = len(region_az_names(settings.region))
    if settings.availability_zones > azs:
        return [
            Problem(
                source,
                "mlinfra:availability_zones",
                f"region {settings.region} has {azs} AZs; allowed 2..{azs}, got {settings.availability_zones}",
            )
        ]
    return []


class NetworkArea(Model):
    """The VPC the cluster, the brokers and the load balancers live in."""

    AREA: ClassVar[Area] = Area(
        name="network",
        outputs=("vpc_id", "private_subnet_ids"),
        needs=(AWS,),
        provides=(NETWORK,),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        reference=lambda settings, ctx, out: reference(settings, ctx, out),
        defaults={
            "dev": {"availability_zones": 2, "nat_gateways": "single", "vpc_cidr": "10.10.0.0/16", "flow_log_retention_days": 14},
            "staging": {
                "availability_zones": 3,
                "nat_gateways": "single",
                "vpc_cidr": "10.20.0.0/16",
                "flow_log_retention_days": 30,
            },
            "prod": {
                "availability_zones": 3,
                "nat_gateways": "one_per_az",
                "vpc_cidr": "10.30.0.0/16",
                "flow_log_retention_days": 365,
            },
        },
        problems=_problems,
    )

    availability_zones: int = Field(ge=MIN_AZS, le=MAX_AZS)
    """Number of AZs the VPC spans (EKS needs at least two)."""
    nat_gateways: NatGateways
    """One shared NAT gateway (cheap) or one per AZ (survives an AZ outage)."""
    vpc_cidr: str
    """VPC IPv4 CIDR, an RFC 1918 block between /16 and /20."""
    flow_log_retention_days: int
    """CloudWatch retention of VPC flow logs and control-plane logs."""

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention_allowed(cls, v: int) -> int:
        if problem := log_retention_problem(v):
            raise ValueError(problem)
        return v

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr_is_private(cls, v: str) -> str:
        if problem := vpc_cidr_problem(v):
            raise ValueError(problem)
        return str(parse_ipv4_network(v))


def network_args(
    settings: NetworkStack,
    *,
    available_zones: pulumi.Input[Sequence[str]],
    cluster_name: str,
    account_id: pulumi.Input[str],
    partition: pulumi.Input[str],
) -> NetworkArgs:
    """NetworkArgs from the settings, field by field."""
    from components.network import NetworkArgs

    return NetworkArgs(
        cidr=settings.vpc_cidr,
        availability_zones=available_zones,
        az_count=settings.availability_zones,
        region=settings.region,
        cluster_name=cluster_name,
        nat_gateways=settings.nat_gateways,
        flow_log_retention_days=settings.flow_log_retention_days,
        enable_protection=settings.enable_protection,
        account_id=account_id,
        partition=partition,
        kms_deletion_window_days=settings.kms_deletion_window_days,
        kms_admin_role_arns=settings.kms_key_admin_role_arns,
        tags=settings.base_tags,
    )


# -- the platform side --------------------------------------------------------------------------
def build(settings: NetworkStack, ctx: PlatformContext) -> PlatformContext:
    """The VPC: private subnets for the cluster and Kafka, NAT, endpoints, flow logs."""
    from components.network import Network

    aws = ctx.get(AWS)
    network = Network(
        "network",
        network_args(
            settings,
            available_zones=aws.available_zones,
            cluster_name=settings.effective_cluster_name,
            account_id=aws.account_id,
            partition=aws.partition,
        ),
    )
    ctx = ctx.with_(NETWORK, NetworkFacts(network.vpc_id, network.private_subnet_ids))
    return ctx.export(vpc_id=network.vpc_id, private_subnet_ids=network.private_subnet_ids)


def reference(settings: NetworkStack, ctx: PlatformContext, out: Outputs) -> PlatformContext:
    return ctx.with_(NETWORK, NetworkFacts(out("vpc_id"), out("private_subnet_ids")))
