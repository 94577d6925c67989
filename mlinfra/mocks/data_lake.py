"""The data lake area: buckets (named by their ``bucket`` input), KMS keys and aliases, alarm topics."""

from __future__ import annotations

from mlinfra.mocks.aws import aws_answer, aws_state
from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs, stable_uuid


@mock_outputs("aws:kms/key:Key")
def kms_key(call: ResourceCall) -> Answer:
    state = aws_state(call)
    key_id = stable_uuid(call.type, call.name)
    state.update(keyId=key_id, arn=f"arn:aws:kms:{call.region}:{call.account}:key/{key_id}")
    return aws_answer(call, state, resource_id=key_id)


@mock_outputs("aws:kms/alias:Alias")
def kms_alias(call: ResourceCall) -> Answer:
    state = aws_state(call)
    state["arn"] = f"arn:aws:kms:{call.region}:{call.account}:{call.inputs.get('name', call.physical)}"
    return aws_answer(call, state)


@mock_outputs("aws:s3/bucket:Bucket")
@mock_outputs("aws:s3/bucketV2:BucketV2")
def s3_bucket(call: ResourceCall) -> Answer:
    state = aws_state(call)
    bucket = call.inputs.get("bucket") or call.physical
    state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", bucketDomainName=f"{bucket}.s3.amazonaws.com")
    return aws_answer(call, state, resource_id=bucket)


@mock_outputs("aws:sns/topic:Topic")
def sns_topic(call: ResourceCall) -> Answer:
    """The replication alarms' topics (one per region): ARNs shaped like the real ones."""
    state = aws_state(call)
    topic = call.inputs.get("name") or call.physical
    state.update(name=topic, arn=f"arn:aws:sns:{call.region}:{call.account}:{topic}")
    return aws_answer(call, state)
