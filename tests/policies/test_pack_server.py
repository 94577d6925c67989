"""The real pack entry point, driven over gRPC like the Pulumi CLI drives it.

`policies/__main__.py` is started the way the CLI starts a Python pack (a script with the
pack directory as sys.path[0]); it prints its port and serves the Analyzer protocol. This
proves the repo-root import works and that the served pack reports what `mlinfra plan` reports.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from mlinfra.policy import POLICIES_DIR
from policies.pack import POLICIES


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    proc = subprocess.Popen(
        [sys.executable, "-u", "__main__.py"], cwd=POLICIES_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), f"pack did not print a port: {port!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait()


def test_served_pack_lists_every_rule(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "mlinfra"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in POLICIES)
    assert all(p.enforcementLevel == analyzer_pb2.MANDATORY for p in info.policies)


def test_served_pack_applies_policy_config_and_reports_a_violation(analyzer) -> None:
    config = analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY)
    config.properties.update({"minDeletionWindowDays": 30})
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={"aws-kms-key-deletion-window": config}))
    props = struct_pb2.Struct()
    props.update({"deletionWindowInDays": 7, "enableKeyRotation": True, "tags": {"environment": "prod", "managed-by": "mlinfra", "cost-center": "x"}})
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:kms/key:Key", properties=props, urn="urn:pulumi:prod::mlinfra::aws:kms/key:Key::k", name="k",
        options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
    )
    response = analyzer.Analyze(request)
    found = {(d.policyName, d.enforcementLevel) for d in response.diagnostics}
    assert found == {("aws-kms-key-deletion-window", analyzer_pb2.MANDATORY)}
    assert "7-day deletion window" in response.diagnostics[0].message
