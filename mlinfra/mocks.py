"""Deterministic, realistic answers for the offline engine.

Every value is derived from the resource's type and name, so two runs of the same program
produce byte-identical plans. Invokes the program does not declare here fail loudly: an
unanswered invoke would otherwise hide a real dependency on the cloud.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

from components.catalog.regions import region_az_names

ACCOUNT_ID = "123456789012"


class UnknownInvokeError(Exception):
    """The program called a data source the offline engine does not answer."""


# A StackReference's outputs as the engine hands them over: plain values, and which are secret.
StackOutputs = tuple[dict[str, Any], list[str]]


def _h(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def stable_uuid(*parts: str) -> str:
    """A UUID-shaped ID derived from ``parts``: the same input always gives the same ID."""
    h = _h(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# EC2-style ID prefixes, so plan output reads like the real thing.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/flowLog:FlowLog": "fl-",
}


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and the few invokes the platform uses."""

    def __init__(self, region: str, account_id: str = ACCOUNT_ID, stack_references: dict[str, StackOutputs] | None = None):
        self.region = region
        self.account_id = account_id
        # Explicit providers' regions by provider ID (the data lake's replica region).
        self._provider_regions: dict[str, str] = {}
        # Stack name (as the program passes it to StackReference) -> that stack's planned outputs.
        self.stack_references = dict(stack_references or {})
        self._invokes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": self._availability_zones,
            "aws:index/getCallerIdentity:getCallerIdentity": self._caller_identity,
            "aws:index/getRegion:getRegion": self._region,
            "aws:index/getPartition:getPartition": self._partition,
        }

    # -- invokes --------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = self._invokes.get(args.token)
        if handler is None:
            raise UnknownInvokeError(
                f"the offline engine does not answer the invoke {args.token!r}; "
                f"known: {sorted(self._invokes)} (add an answer in mlinfra/mocks.py)"
            )
        return handler(args.args), []

    def _availability_zones(self, _args: dict[str, Any]) -> dict[str, Any]:
        names = region_az_names(self.region)
        short = self.region.replace("-", "")[:3] + self.region.split("-")[-1]
        return {
            "id": self.region,
            "names": names,
            "zoneIds": [f"{short}-az{i + 1}" for i in range(len(names))],
            "groupNames": [self.region] * len(names),
            "state": "available",
        }

    def _caller_identity(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "accountId": self.account_id,
            "arn": f"arn:aws:sts::{self.account_id}:assumed-role/mlinfra-deployer/offline-plan",
            "userId": "AROAOFFLINEPLAN:offline-plan",
        }

    def _region(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.region,
            "name": self.region,
            "region": self.region,
            "endpoint": f"ec2.{self.region}.amazonaws.com",
            "description": self.region,
        }

    def _partition(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}

    def _stack_reference(self, name: str) -> tuple[str, dict[str, Any]]:
        # A StackReference is read, not created: it answers with the referenced stack's outputs
        # (plan that stack first: mlinfra/split.py).
        if name not in self.stack_references:
            raise UnknownInvokeError(
                f"the offline engine has no outputs of stack {name!r} for a StackReference; "
                f"known: {sorted(self.stack_references)} (plan the platform stack first)"
            )
        return _stack_reference_state(name, self.stack_references[name])

    # -- resources ------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        if typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(inputs.get("name") or args.resource_id))
        if typ.startswith("pulumi:providers:"):
            provider_id = f"{name}-{_h(typ, name)}"
            if isinstance(inputs.get("region"), str):
                self._provider_regions[provider_id] = inputs["region"]
            return provider_id, inputs
        physical = f"{name}-{_h(typ, name, n=7)}"
        prefix = _ID_PREFIX.get(typ)
        resource_id = f"{prefix}{_h(typ, name, n=17)}" if prefix else physical
        state: dict[str, Any] = {**inputs}
        # A resource of an explicit provider lives in that provider's region (ARNs say so).
        region = self._provider_regions.get((args.provider or "").rsplit("::", 1)[-1], self.region)
        account = self.account_id
        service = typ.split(":")[1].split("/")[0] if ":" in typ else "unknown"

        if typ.startswith("aws:"):
            state.setdefault("arn", f"arn:aws:{service}:{region}:{account}:{typ.split(':')[-1].lower()}/{resource_id}")
            state.setdefault("tagsAll", inputs.get("tags", {}))
        if typ.startswith("aws:iam/"):
            iam_name = inputs.get("name") or physical
            kind = typ.split(":")[-1]
            state.setdefault("name", iam_name)
            state["arn"] = f"arn:aws:iam::{account}:{_iam_arn_kind(kind)}/{iam_name}"
            if kind == "OpenIdConnectProvider":
                url = str(inputs.get("url", "")).removeprefix("https://")
                state["arn"] = f"arn:aws:iam::{account}:oidc-provider/{url}"
        elif typ == "aws:eks/cluster:Cluster":
            cluster = inputs.get("name") or physical
            host = _h(typ, name, n=32).upper()
            state.update(
                name=cluster,
                arn=f"arn:aws:eks:{region}:{account}:cluster/{cluster}",
                endpoint=f"https://{host}.gr7.{region}.eks.amazonaws.com",
                certificateAuthority={"data": base64.b64encode(f"offline-ca-{cluster}".encode()).decode()},
                identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{host}"}]}],
                status="ACTIVE",
                # EKS creates the cluster security group (EFA launch templates name it).
                vpcConfig={**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{_h(typ, name, 'cluster-sg', n=17)}"},
            )
            resource_id = cluster
        elif typ == "aws:kms/key:Key":
            key_id = stable_uuid(typ, name)
            state.update(keyId=key_id, arn=f"arn:aws:kms:{region}:{account}:key/{key_id}")
            resource_id = key_id
        elif typ == "aws:kms/alias:Alias":
            state["arn"] = f"arn:aws:kms:{region}:{account}:{inputs.get('name', physical)}"
        elif typ == "aws:s3/bucket:Bucket" or typ == "aws:s3/bucketV2:BucketV2":
            bucket = inputs.get("bucket") or physical
            state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", bucketDomainName=f"{bucket}.s3.amazonaws.com")
            resource_id = bucket
        elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
            state.update(latestVersion=1, defaultVersion=1)
        elif typ == "aws:ec2/eip:Eip":
            state.update(allocationId=resource_id, publicIp="203.0.113.10")
        elif typ == "aws:sns/topic:Topic":
            topic = inputs.get("name") or physical
            state.update(name=topic, arn=f"arn:aws:sns:{region}:{account}:{topic}")
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            group = inputs.get("name") or physical
            state.update(name=group, arn=f"arn:aws:logs:{region}:{account}:log-group:{group}")
        elif typ == "aws:eks/nodeGroup:NodeGroup":
            state.setdefault("nodeGroupName", physical)
            # EKS names the node group's Auto Scaling group eks-<group>-<uuid>.
            state["resources"] = [
                {
                    "autoscalingGroups": [{"name": f"eks-{state['nodeGroupName']}-{stable_uuid(typ, name)}"}],
                    "remoteAccessSecurityGroupId": "",
                }
            ]
        elif typ == "aws:msk/cluster:Cluster":
            # MSK ARNs are kafka:<region>:<account>:cluster/<name>/<uuid>-<n>; topic and group ARNs derive from them.
            cluster = inputs.get("clusterName") or physical
            state["arn"] = f"arn:aws:kafka:{region}:{account}:cluster/{cluster}/{stable_uuid(typ, name)}-3"
            brokers = int(inputs.get("numberOfBrokerNodes") or 3)
            host = _h(typ, name, n=6)
            state["bootstrapBrokersSaslIam"] = ",".join(
                f"b-{i}.{cluster}.{host}.c3.kafka.{region}.amazonaws.com:9098" for i in range(1, min(brokers, 3) + 1)
            )
            state["currentVersion"] = "K3AEGXETSR30VB"
        elif typ == "aws:msk/configuration:Configuration":
            state["arn"] = f"arn:aws:kafka:{region}:{account}:configuration/{physical}/{stable_uuid(typ, name)}-3"
            state["latestRevision"] = 1
        elif typ == "random:index/randomPassword:RandomPassword":
            # A stand-in value: the SDK marks `result` secret, so plans and logs show it redacted.
            state["result"] = f"offline-{_h(typ, name, n=24)}"
        elif typ == "kubernetes:helm.sh/v3:Release":
            state["status"] = {
                "name": inputs.get("name", name),
                "namespace": inputs.get("namespace", "default"),
                "status": "deployed",
                "version": inputs.get("version", ""),
            }
        if typ.startswith("aws:"):
            state.setdefault("name", inputs.get("name") or physical)
        return resource_id, state


def _stack_reference_state(name: str, outputs: StackOutputs) -> tuple[str, dict[str, Any]]:
    values, secret = outputs
    return name, {"name": name, "outputs": values, "secretOutputNames": sorted(secret)}


def _iam_arn_kind(kind: str) -> str:
    return {"Role": "role", "Policy": "policy", "User": "user", "InstanceProfile": "instance-profile"}.get(kind, kind.lower())
