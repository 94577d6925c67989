"""The cluster area: the EKS cluster, its node groups and their launch templates."""

from __future__ import annotations

import base64

from mlinfra.mocks.aws import aws_answer, aws_state
from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs, register_id_prefixes, short_hash, stable_uuid

register_id_prefixes({"aws:ec2/launchTemplate:LaunchTemplate": "lt-"})


@mock_outputs("aws:eks/cluster:Cluster")
def eks_cluster(call: ResourceCall) -> Answer:
    state = aws_state(call)
    cluster = call.inputs.get("name") or call.physical
    host = short_hash(call.type, call.name, n=32).upper()
    region, account = call.region, call.account
    state.update(
        name=cluster,
        arn=f"arn:aws:eks:{region}:{account}:cluster/{cluster}",
        endpoint=f"https://{host}.gr7.{region}.eks.amazonaws.com",
        certificateAuthority={"data": base64.b64encode(f"offline-ca-{cluster}".encode()).decode()},
        identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{host}"}]}],
        status="ACTIVE",
        # EKS creates the cluster security group (EFA launch templates name it).
        vpcConfig={
            **call.inputs.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"sg-{short_hash(call.type, call.name, 'cluster-sg', n=17)}",
        },
    )
    return aws_answer(call, state, resource_id=cluster)


@mock_outputs("aws:eks/nodeGroup:NodeGroup")
def node_group(call: ResourceCall) -> Answer:
    state = aws_state(call)
    state.setdefault("nodeGroupName", call.physical)
    # EKS names the node group's Auto Scaling group eks-<group>-<uuid>.
    state["resources"] = [
        {
            "autoscalingGroups": [{"name": f"eks-{state['nodeGroupName']}-{stable_uuid(call.type, call.name)}"}],
            "remoteAccessSecurityGroupId": "",
        }
    ]
    return aws_answer(call, state)


@mock_outputs("aws:ec2/launchTemplate:LaunchTemplate")
def launch_template(call: ResourceCall) -> Answer:
    state = aws_state(call)
    state.update(latestVersion=1, defaultVersion=1)
    return aws_answer(call, state)
