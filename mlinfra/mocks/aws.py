"""What every AWS resource answers: an ARN, ``tagsAll`` and a name, unless its area says more.

The area modules build on these two helpers: ``aws_state`` first, their own outputs on top,
``aws_answer`` last (a name only where nothing set one).
"""

from __future__ import annotations

from typing import Any

from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs


def aws_state(call: ResourceCall) -> dict[str, Any]:
    """The inputs plus the outputs every AWS resource has: a generic ARN and ``tagsAll``."""
    service = call.type.split(":")[1].split("/")[0]
    kind = call.type.split(":")[-1].lower()
    state = {**call.inputs}
    state.setdefault("arn", f"arn:aws:{service}:{call.region}:{call.account}:{kind}/{call.resource_id}")
    state.setdefault("tagsAll", call.inputs.get("tags", {}))
    return state


def aws_answer(call: ResourceCall, state: dict[str, Any], resource_id: str | None = None) -> Answer:
    """Finish an AWS answer: every AWS resource reads back a ``name``."""
    state.setdefault("name", call.inputs.get("name") or call.physical)
    return (call.resource_id if resource_id is None else resource_id), state


@mock_outputs(prefix="aws:")
def any_aws_resource(call: ResourceCall) -> Answer:
    return aws_answer(call, aws_state(call))
