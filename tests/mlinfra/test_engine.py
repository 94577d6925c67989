"""The offline engine: what it records, determinism, secrets, and loud failures."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components.catalog import tokens
from mlinfra.engine import EngineError, Plan, run_program
from stacks.loading import load_settings, settings_from_pulumi


def test_urns_match_the_real_engine_shape(dev_plan: Plan) -> None:
    vpc = dev_plan.get("aws:ec2/vpc:Vpc", "network-vpc")
    # Real URNs qualify the type with the parent's type but never with the root stack.
    assert vpc.urn == "urn:pulumi:dev::mlinfra::mlinfra:foundation:Network$aws:ec2/vpc:Vpc::network-vpc"
    assert "pulumi:pulumi:Stack$" not in "".join(r.urn for r in dev_plan.resources)


def test_top_level_components_are_parented_to_the_stack(dev_plan: Plan) -> None:
    network = dev_plan.get(tokens.NETWORK, "network")
    assert network.parent == "urn:pulumi:dev::mlinfra::pulumi:pulumi:Stack::mlinfra-dev"


def test_preview_json_shape(dev_plan: Plan) -> None:
    doc = json.loads(dev_plan.dumps())
    assert doc["changeSummary"] == {"create": len(dev_plan.resources)}
    step = next(s for s in doc["steps"] if s["newState"]["type"] == "aws:eks/cluster:Cluster")
    assert step["op"] == "create"
    assert set(step["newState"]) >= {
        "urn",
        "type",
        "inputs",
        "parent",
        "dependencies",
        "propertyDependencies",
        "protect",
        "retainOnDelete",
    }
    assert step["newState"]["inputs"]["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]


def test_program_reads_the_same_settings_through_pulumi_config() -> None:
    """The real program loads settings from the engine's config map; it must match the file."""
    expected = load_settings("prod")
    from stacks.loading import read_stack_file, stack_file_path

    seen = {}

    def program(settings):
        seen["settings"] = settings_from_pulumi()
        return {}

    run_program(expected, config=read_stack_file(stack_file_path("prod")), program=program)
    assert seen["settings"] == expected


def test_unknown_invoke_fails_loudly() -> None:
    def program(settings):
        return {"ami": aws.ec2.get_ami_output(most_recent=True, owners=["amazon"]).id}

    with pytest.raises(EngineError, match="does not answer the invoke 'aws:ec2/getAmi:getAmi'"):
        run_program(load_settings("dev"), program=program)


def test_two_resources_with_one_urn_are_refused_not_silently_merged() -> None:
    def program(settings, second: str):
        aws.s3.Bucket("serving-a-b-c", bucket="first")
        aws.s3.Bucket(second, bucket="second")
        return {}

    with pytest.raises(EngineError, match=r"two resources share one URN .*aws:s3/bucket:Bucket::serving-a-b-c"):
        run_program(load_settings("dev"), program=lambda s: program(s, "serving-a-b-c"))
    # Near miss: another name is another resource, and both are planned.
    plan = run_program(load_settings("dev"), program=lambda s: program(s, "serving-a-b-d"))
    assert sorted(r.name for r in plan.of_type("aws:s3/bucket:Bucket")) == ["serving-a-b-c", "serving-a-b-d"]


def test_secret_outputs_and_inputs_are_redacted(tmp_path) -> None:
    def program(settings):
        param = aws.ssm.Parameter("p", type="SecureString", value=pulumi.Output.secret("hunter2"))
        return {"password": pulumi.Output.secret("hunter2"), "name": param.name}

    plan = run_program(load_settings("dev"), program=program)
    text = plan.dumps()
    assert "hunter2" not in text
    assert json.loads(text)["outputs"]["password"] == "[secret]"
    assert plan.get("aws:ssm/parameter:Parameter", "p").plain_inputs()["value"] == "hunter2"


def test_runs_do_not_leak_into_each_other() -> None:
    settings = load_settings("dev")
    first = run_program(settings, program=lambda s: {"x": aws.s3.Bucket("only-in-first").id})
    second = run_program(settings, program=lambda s: {})
    assert [r.name for r in first.resources if r.type == "aws:s3/bucket:Bucket"] == ["only-in-first"]
    assert second.resources == []


def test_default_providers_are_recorded_like_the_real_engine(dev_plan: Plan) -> None:
    from importlib.metadata import version

    aws_default = dev_plan.get("pulumi:providers:aws", "default_" + version("pulumi_aws").replace(".", "_"))
    assert aws_default.inputs["region"] == "us-west-2"
    vpc = dev_plan.get("aws:ec2/vpc:Vpc", "network-vpc")
    assert vpc.provider.startswith(aws_default.urn + "::"), f"network-vpc provider is {vpc.provider!r}"
    namespace = next(r for r in dev_plan.resources if r.type == "kubernetes:core/v1:Namespace")
    assert "pulumi:providers:kubernetes::cluster-k8s::" in namespace.provider, (
        f"{namespace.name} must use the cluster's provider, not a default one"
    )
    custom = [r for r in dev_plan.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert all(r.provider for r in custom), [r.name for r in custom if not r.provider]


def test_engine_captures_provider_deprecation_warnings() -> None:
    plan = run_program(load_settings("dev"), program=lambda s: {"b": aws.s3.BucketV2("old-style").id})
    assert any("BucketV2 is deprecated" in d["message"] for d in plan.diagnostics), plan.diagnostics


def test_shipped_stacks_use_no_deprecated_resource_or_property(any_plan: Plan) -> None:
    deprecated = [d["message"] for d in any_plan.diagnostics if "deprecated" in d["message"].lower()]
    assert not deprecated, f"stack {any_plan.stack} uses deprecated provider APIs: {deprecated}"
