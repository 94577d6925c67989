"""The Kafka area: the MSK cluster and its configuration, and Strimzi's generated passwords."""

from __future__ import annotations

from mlinfra.mocks.aws import aws_answer, aws_state
from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs, short_hash, stable_uuid


@mock_outputs("aws:msk/cluster:Cluster")
def msk_cluster(call: ResourceCall) -> Answer:
    # MSK ARNs are kafka:<region>:<account>:cluster/<name>/<uuid>-<n>; topic and group ARNs derive from them.
    state = aws_state(call)
    cluster = call.inputs.get("clusterName") or call.physical
    region = call.region
    state["arn"] = f"arn:aws:kafka:{region}:{call.account}:cluster/{cluster}/{stable_uuid(call.type, call.name)}-3"
    brokers = int(call.inputs.get("numberOfBrokerNodes") or 3)
    host = short_hash(call.type, call.name, n=6)
    state["bootstrapBrokersSaslIam"] = ",".join(
        f"b-{i}.{cluster}.{host}.c3.kafka.{region}.amazonaws.com:9098" for i in range(1, min(brokers, 3) + 1)
    )
    state["currentVersion"] = "K3AEGXETSR30VB"
    return aws_answer(call, state)


@mock_outputs("aws:msk/configuration:Configuration")
def msk_configuration(call: ResourceCall) -> Answer:
    state = aws_state(call)
    configuration = f"{call.physical}/{stable_uuid(call.type, call.name)}-3"
    state["arn"] = f"arn:aws:kafka:{call.region}:{call.account}:configuration/{configuration}"
    state["latestRevision"] = 1
    return aws_answer(call, state)


@mock_outputs("random:index/randomPassword:RandomPassword")
def random_password(call: ResourceCall) -> Answer:
    # A stand-in value: the SDK marks `result` secret, so plans and logs show it redacted.
    return call.resource_id, {**call.inputs, "result": f"offline-{short_hash(call.type, call.name, n=24)}"}
