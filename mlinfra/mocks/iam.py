"""IAM: global ARNs (no region) with the resource kind's path segment."""

from __future__ import annotations

from mlinfra.mocks.aws import aws_answer, aws_state
from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs

_ARN_KIND = {"Role": "role", "Policy": "policy", "User": "user", "InstanceProfile": "instance-profile"}


@mock_outputs(prefix="aws:iam/")
def iam_resource(call: ResourceCall) -> Answer:
    state = aws_state(call)
    iam_name = call.inputs.get("name") or call.physical
    kind = call.type.split(":")[-1]
    state.setdefault("name", iam_name)
    state["arn"] = f"arn:aws:iam::{call.account}:{_ARN_KIND.get(kind, kind.lower())}/{iam_name}"
    if kind == "OpenIdConnectProvider":
        url = str(call.inputs.get("url", "")).removeprefix("https://")
        state["arn"] = f"arn:aws:iam::{call.account}:oidc-provider/{url}"
    return aws_answer(call, state)
