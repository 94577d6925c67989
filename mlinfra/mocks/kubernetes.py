"""Kubernetes: a Helm release reads back as deployed; every other object echoes its inputs."""

from __future__ import annotations

from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs


@mock_outputs("kubernetes:helm.sh/v3:Release")
def helm_release(call: ResourceCall) -> Answer:
    status = {
        "name": call.inputs.get("name", call.name),
        "namespace": call.inputs.get("namespace", "default"),
        "status": "deployed",
        "version": call.inputs.get("version", ""),
    }
    return call.resource_id, {**call.inputs, "status": status}
