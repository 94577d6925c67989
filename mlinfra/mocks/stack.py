"""Pulumi's own resources: explicit providers and StackReferences."""

from __future__ import annotations

from mlinfra.mocks.table import Answer, ResourceCall, UnknownInvokeError, mock_outputs, short_hash


@mock_outputs(prefix="pulumi:providers:")
def provider(call: ResourceCall) -> Answer:
    provider_id = f"{call.name}-{short_hash(call.type, call.name)}"
    # A resource of an explicit provider lives in that provider's region (ARNs say so).
    if isinstance(call.inputs.get("region"), str):
        call.provider_regions[provider_id] = call.inputs["region"]
    return provider_id, call.inputs


@mock_outputs("pulumi:pulumi:StackReference")
def stack_reference(call: ResourceCall) -> Answer:
    # A StackReference is read, not created: it answers with the referenced stack's outputs
    # (plan that stack first: mlinfra/split.py).
    name = str(call.inputs.get("name") or call.requested_id)
    if name not in call.stack_references:
        raise UnknownInvokeError(
            f"the offline engine has no outputs of stack {name!r} for a StackReference; "
            f"known: {sorted(call.stack_references)} (plan the platform stack first)"
        )
    values, secret = call.stack_references[name]
    return name, {"name": name, "outputs": values, "secretOutputNames": sorted(secret)}
