"""Per-team Kafka access for KafkaCluster: who may use which topics, and how to connect.

- MSK: an inline policy on the team's existing Pod Identity role (components/teams/team.py) with
  IAM statements scoped to the team's topic, group and transactional-id ARNs and to exactly
  the granted topics (components/kafka/_msk_iam.py).
- Strimzi: a KafkaUser with ``simple`` ACLs on the team prefix and granted topics. With
  SCRAM-SHA-512 the password is a Pulumi secret generated here, handed to Strimzi through a
  Secret in the Kafka namespace and to the team as a Secret in its own namespace. The cluster
  CA certificate (and, with mTLS, the user's key pair) reach the team's namespace as copies kept
  in step by kubernetes-reflector (components/kafka/_team_secrets.py); no Role reaches into the
  Kafka namespace.
- Both: a NetworkPolicy in the team namespace opening egress to the brokers (team namespaces
  deny all egress by default).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components._crd import custom_resource
from components.kafka._msk import IAM_PORT
from components.kafka._msk_iam import team_policy
from components.kafka._strimzi import CLUSTER_LABEL, TLS_PORT, UserSpec, team_acls
from components.kafka._strimzi_cluster import StrimziArgs, scram_password_secret
from components.kafka._team_secrets import team_secret_refs, with_user_secret_mirror
from components.kafka.validation import team_prefix

CREDENTIALS_SECRET = "kafka-credentials"
NETWORK_POLICY = "allow-kafka"


@dataclass(frozen=True)
class TeamAccess:
    """One team's view of Kafka (from its team file)."""

    team: str
    namespace: pulumi.Input[str]
    """The team's namespace (Team.namespace_name)."""
    service_account: pulumi.Input[str]
    """The team's ServiceAccount (Team.service_account_name)."""
    role_name: pulumi.Input[str] | None = None
    """The team's Pod Identity role (Team.role_name); MSK statements are attached to it."""
    read: tuple[str, ...] = ()
    """Other teams' topics (full names) the team may consume."""
    to_lake: tuple[str, ...] = ()
    """Own topics (short names) delivered to the lake's raw zone."""


def create_team_access(
    name: str,
    teams: Sequence[TeamAccess],
    *,
    backend: Literal["msk", "strimzi"],
    bootstrap: pulumi.Output[str],
    parent: pulumi.Resource,
    k8s_provider: pulumi.ProviderResource,
    cluster_arn: pulumi.Output[str] | None = None,
    broker_cidr: pulumi.Input[str] | None = None,
    strimzi: StrimziArgs | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, pulumi.Output[dict[str, Any]]]:
    """Access for every team; returns each team's connection outputs."""
    outputs: dict[str, pulumi.Output[dict[str, Any]]] = {}
    for access in sorted(teams, key=lambda a: a.team):
        base = {
            "auth": "",
            "bootstrap_servers": bootstrap,
            "topic_prefix": team_prefix(access.team),
            "secret_name": "",
            "role_name": "",
        }
        if backend == "msk":
            assert cluster_arn is not None and access.role_name is not None
            _msk_access(name, access, cluster_arn, parent)
            _network_policy(name, access, k8s_provider, parent, ip_block=broker_cidr, port=IAM_PORT)
            base.update(auth="AWS_MSK_IAM", role_name=access.role_name)
        else:
            assert strimzi is not None
            secret = _strimzi_access(name, access, strimzi, k8s_provider, bootstrap, parent, depends_on)
            _network_policy(name, access, k8s_provider, parent, namespace=strimzi.namespace, port=TLS_PORT)
            base.update(auth="SCRAM-SHA-512" if strimzi.authentication == "scram-sha-512" else "mTLS", secret_name=secret)
        outputs[access.team] = pulumi.Output.all(**base).apply(dict)
    return outputs


def _msk_access(name: str, access: TeamAccess, cluster_arn: pulumi.Output[str], parent: pulumi.Resource) -> None:
    aws.iam.RolePolicy(
        f"{name}-{access.team}-access",
        role=access.role_name,
        # The ARN is only known once the cluster exists; the document is built from it.
        policy=cluster_arn.apply(lambda arn: json.dumps(team_policy(arn, access.team, access.read), sort_keys=True)),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _strimzi_access(
    name: str,
    access: TeamAccess,
    strimzi: StrimziArgs,
    provider: pulumi.ProviderResource,
    bootstrap: pulumi.Output[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> str:
    """KafkaUser and its credentials in both namespaces; returns the team Secret's name."""
    team = access.team
    k8s_opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    user_name = f"team-{team}"
    password_secret, team_data = _credentials(name, access, strimzi, bootstrap, parent, k8s_opts)
    custom_resource(
        f"{name}-{team}-user",
        "KafkaUser",
        metadata_name=user_name,
        namespace=strimzi.namespace,
        spec=with_user_secret_mirror(
            UserSpec(strimzi.authentication, team_acls(team_prefix(team), access.read), password_secret=password_secret).spec(),
            access.namespace,
            strimzi.authentication,
        ),
        labels={CLUSTER_LABEL: strimzi.cluster_name, "team": team},
        parent=parent,
        provider=provider,
        depends_on=list(depends_on),
    )
    k8s.core.v1.Secret(
        f"{name}-{team}-credentials",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=CREDENTIALS_SECRET, namespace=access.namespace, labels={"team": team}),
        # The password is a Pulumi secret: the whole Secret is stored encrypted in state.
        string_data={k: pulumi.Output.secret(v) if k in ("password", "sasl.jaas.config") else v for k, v in team_data.items()},
        opts=k8s_opts,
    )
    return CREDENTIALS_SECRET


def _credentials(
    name: str,
    access: TeamAccess,
    strimzi: StrimziArgs,
    bootstrap: pulumi.Output[str],
    parent: pulumi.Resource,
    k8s_opts: pulumi.ResourceOptions,
) -> tuple[str | None, dict[str, pulumi.Input[str]]]:
    """The KafkaUser's password Secret (SCRAM only) and what the team's Secret holds."""
    team, user_name = access.team, f"team-{access.team}"
    scram = strimzi.authentication == "scram-sha-512"
    team_data: dict[str, pulumi.Input[str]] = {
        "bootstrap.servers": bootstrap,
        "topic.prefix": team_prefix(team),
        "security.protocol": "SASL_SSL" if scram else "SSL",
        **team_secret_refs(cluster_name=strimzi.cluster_name, user_name=user_name, authentication=strimzi.authentication),
    }
    if not scram:
        return None, team_data
    password_secret, password = scram_password_secret(
        f"{name}-{team}-password",
        f"{name}-{team}-user-password",
        user=user_name,
        team=team,
        namespace=strimzi.namespace,
        parent=parent,
        k8s_opts=k8s_opts,
    )
    jaas = pulumi.Output.concat(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="',
        user_name,
        '" password="',
        password,
        '";',
    )
    team_data.update({"sasl.mechanism": "SCRAM-SHA-512", "username": user_name, "password": password, "sasl.jaas.config": jaas})
    return password_secret, team_data


def _network_policy(
    name: str,
    access: TeamAccess,
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
    *,
    port: int,
    namespace: str | None = None,
    ip_block: pulumi.Input[str] | None = None,
) -> None:
    """Egress from every pod of the team namespace to the brokers, on the one client port."""
    net = k8s.networking.v1
    if namespace is not None:
        peer = net.NetworkPolicyPeerArgs(
            namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace})
        )
    else:
        assert ip_block is not None, "MSK access needs the brokers' CIDR"
        peer = net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=ip_block))
    net.NetworkPolicy(
        f"{name}-{access.team}-egress",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=NETWORK_POLICY, namespace=access.namespace, labels={"team": access.team}),
        spec=net.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(),
            policy_types=["Egress"],
            egress=[net.NetworkPolicyEgressRuleArgs(to=[peer], ports=[net.NetworkPolicyPortArgs(port=port, protocol="TCP")])],
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
