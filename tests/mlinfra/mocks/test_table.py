"""The offline engine's mock table: which answer a type gets, and what the areas register."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi.runtime import MockResourceArgs

from mlinfra.mocks import ACCOUNT_ID, TABLE, DuplicateMockError, MockTable, PlatformMocks, ResourceCall
from mlinfra.mocks.table import Answer, generic_answer

ROOT = Path(__file__).resolve().parents[3]


def _answer(tag: str):  # a distinct, named answer per registration
    def answer(call: ResourceCall) -> Answer:
        return tag, {"by": tag}

    answer.__qualname__ = f"answer_{tag}"
    return answer


def _new(mocks: PlatformMocks, typ: str, name: str, inputs: dict[str, object] | None = None) -> Answer:
    return mocks.new_resource(MockResourceArgs(typ, name, dict(inputs or {})))


def test_an_exact_token_wins_over_any_prefix() -> None:
    table = MockTable()
    table.register(prefix="aws:")(_answer("aws"))
    table.register(prefix="aws:s3/")(_answer("s3"))
    table.register("aws:s3/bucketV2:BucketV2")(_answer("bucket"))
    assert table.lookup("aws:s3/bucketV2:BucketV2").__qualname__ == "answer_bucket"
    # A near miss of the exact token falls to the longest matching prefix, then the shorter one.
    assert table.lookup("aws:s3/bucketV2:BucketV3").__qualname__ == "answer_s3"
    assert table.lookup("aws:s3x/thing:Thing").__qualname__ == "answer_aws"


def test_an_unknown_type_gets_the_generic_answer() -> None:
    table = MockTable()
    table.register(prefix="aws:")(_answer("aws"))
    assert table.lookup("kubernetes:core/v1:Namespace") is generic_answer
    # Through the engine's own table: the physical name as ID, the inputs as the state.
    resource_id, state = _new(PlatformMocks("us-east-1"), "mlinfra:test:Unknown", "thing", {"size": 3})
    assert resource_id.startswith("thing-") and len(resource_id) == len("thing-") + 7, resource_id
    assert state == {"size": 3}


@pytest.mark.parametrize(("token", "prefix"), [("aws:kms/key:Key", None), (None, "aws:iam/")])
def test_registering_twice_is_an_error(token: str | None, prefix: str | None) -> None:
    table = MockTable()
    table.register(token, prefix=prefix)(_answer("first"))
    with pytest.raises(DuplicateMockError, match="registered twice: .*answer_first and .*answer_second"):
        table.register(token, prefix=prefix)(_answer("second"))
    # The first answer stays in place.
    assert table.lookup(token or f"{prefix}role:Role").__qualname__ == "answer_first"


def test_a_token_and_a_prefix_with_the_same_text_do_not_collide() -> None:
    table = MockTable()
    table.register("aws:")(_answer("exact"))
    table.register(prefix="aws:")(_answer("prefix"))
    assert table.lookup("aws:").__qualname__ == "answer_exact"
    assert table.lookup("aws:x").__qualname__ == "answer_prefix"


def test_register_takes_exactly_one_of_token_and_prefix() -> None:
    with pytest.raises(TypeError, match="exactly one"):
        MockTable().register()
    with pytest.raises(TypeError, match="exactly one"):
        MockTable().register("a:b:C", prefix="a:")


def test_the_engine_table_lists_each_areas_answers() -> None:
    tokens = TABLE.tokens()
    for expected in ("aws:*", "aws:iam/*", "aws:eks/cluster:Cluster", "aws:s3/bucketV2:BucketV2", "pulumi:providers:*"):
        assert expected in tokens, f"{expected} not registered: {tokens}"


def test_a_new_area_registers_in_its_own_table_and_the_engine_uses_it() -> None:
    table = MockTable()
    table.register("mlinfra:test:Widget")(_answer("widget"))
    assert _new(PlatformMocks("us-east-1", table=table), "mlinfra:test:Widget", "w") == ("widget", {"by": "widget"})


def test_iam_resources_get_the_longer_iam_prefix_not_the_generic_aws_answer() -> None:
    mocks = PlatformMocks("eu-west-1")
    _, role = _new(mocks, "aws:iam/role:Role", "team-role", {"name": "team-a"})
    assert role["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/team-a"
    _, queue = _new(mocks, "aws:sqs/queue:Queue", "q")
    assert queue["arn"].startswith(f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:queue/q-"), queue["arn"]
    assert queue["name"].startswith("q-"), queue


def test_ec2_types_get_ec2_style_ids_and_others_do_not() -> None:
    mocks = PlatformMocks("us-east-1")
    vpc_id, _ = _new(mocks, "aws:ec2/vpc:Vpc", "network-vpc")
    assert vpc_id.startswith("vpc-") and len(vpc_id) == len("vpc-") + 17, vpc_id
    other_id, _ = _new(mocks, "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation", "network-vpc")
    assert other_id.startswith("network-vpc-"), other_id


def test_an_explicit_providers_region_reaches_its_resources_arns() -> None:
    mocks = PlatformMocks("us-east-1")
    provider_id, _ = _new(mocks, "pulumi:providers:aws", "replica", {"region": "us-west-2"})
    args = MockResourceArgs(
        "aws:kms/key:Key", "k", {}, provider=f"urn:pulumi:dev::mlinfra::pulumi:providers:aws::replica::{provider_id}"
    )
    _, key = mocks.new_resource(args)
    assert key["arn"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT_ID}:key/"), key["arn"]
    _, home = _new(mocks, "aws:kms/key:Key", "k2")
    assert home["arn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/"), home["arn"]


def test_every_module_of_the_package_is_loaded_with_it() -> None:
    """An area module missing from the package's import list would register nothing: its types
    would silently get the generic answer. In a fresh interpreter, importing the package loads them all."""
    import mlinfra.mocks

    names = sorted(m.name for m in pkgutil.iter_modules(mlinfra.mocks.__path__))
    assert {"table", "aws", "network", "cluster", "data_lake", "kafka", "kubernetes"} <= set(names), names
    script = "import sys, mlinfra.mocks; print(' '.join(sorted(m for m in sys.modules if m.startswith('mlinfra.mocks.'))))"
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [f"mlinfra.mocks.{n}" for n in names]
