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

from components._kms import key_policy_document
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
    props.update(
        {
            "deletionWindowInDays": 7,
            "enableKeyRotation": True,
            # An explicit key policy (aws-kms-key-explicit-policy): only the window is wrong.
            "policy": key_policy_document("aws", "123456789012", []),
            "tags": {"environment": "prod", "managed-by": "mlinfra", "cost-center": "x"},
        }
    )
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:kms/key:Key",
        properties=props,
        urn="urn:pulumi:prod::mlinfra::aws:kms/key:Key::k",
        name="k",
        options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
    )
    response = analyzer.Analyze(request)
    found = {(d.policyName, d.enforcementLevel) for d in response.diagnostics}
    assert found == {("aws-kms-key-deletion-window", analyzer_pb2.MANDATORY)}
    assert "7-day deletion window" in response.diagnostics[0].message


def test_served_pack_fails_a_bad_as_of_date_with_a_clear_message(analyzer) -> None:
    # The CLI's schema check (format: date) should stop this first; if it does not, the rule
    # fails the analysis naming the config key, never with a bare "month must be in 1..12".
    from mlinfra.policy_config import reconcile

    def configure(as_of: str) -> None:
        configs = {}
        for name, (_level, props) in reconcile({}, source="test").items():
            if name == "aws-eks-cluster-supported-version":
                props = {**props, "asOf": as_of}
            config = analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY)
            config.properties.update(props)
            configs[name] = config
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=configs))

    props = struct_pb2.Struct()
    props.update({"version": "1.33", "tags": {"environment": "prod", "managed-by": "mlinfra", "cost-center": "x"}})
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:eks/cluster:Cluster",
        properties=props,
        urn="urn:pulumi:prod::mlinfra::aws:eks/cluster:Cluster::c",
        name="c",
    )
    configure("2030-13-01")
    try:
        with pytest.raises(grpc.RpcError) as info:
            analyzer.Analyze(request)
        assert "aws-eks-cluster-supported-version.asOf: must be a date YYYY-MM-DD, got '2030-13-01'" in info.value.details()
    finally:
        configure("2026-07-29")
    versions = [d for d in analyzer.Analyze(request).diagnostics if d.policyName == "aws-eks-cluster-supported-version"]
    assert versions == [], "a valid asOf is judged as usual (1.33 is supported on 2026-07-29)"
