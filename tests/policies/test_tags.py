"""mlinfra-required-tags and mlinfra-team-resources-tagged."""

from __future__ import annotations

from components.catalog import tokens
from components.catalog.schema import is_taggable
from policies.rules import mlinfra_required_tags, mlinfra_team_resources_tagged
from tests.policies.support import TAGS, check_resource, check_stack, resource

REQUIRED = mlinfra_required_tags.POLICY
TEAM = mlinfra_team_resources_tagged.POLICY


def test_taggable_is_read_from_the_pulumi_aws_input_schema() -> None:
    assert is_taggable("aws:s3/bucket:Bucket")
    assert is_taggable("aws:ec2/vpc:Vpc")
    assert not is_taggable("aws:s3/bucketPolicy:BucketPolicy"), "BucketPolicyArgs has no tags"
    assert not is_taggable("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not is_taggable("kubernetes:core/v1:Namespace"), "only AWS types carry AWS tags"
    assert not is_taggable("aws:nosuch/thing:Thing")
    # Module names that are Python keywords (pulumi_aws.lambda_) and resources whose Args class
    # name is shadowed by a nested input type (dynamodb.TableReplicaArgs) are read correctly.
    assert is_taggable("aws:lambda/function:Function")
    assert is_taggable("aws:dynamodb/tableReplica:TableReplica")


def test_the_tag_rules_use_the_one_taggable_check() -> None:
    # One implementation (components.catalog.schema), used by the pack and the component tests alike.
    assert mlinfra_required_tags.is_taggable is is_taggable
    assert mlinfra_team_resources_tagged.is_taggable is is_taggable


def test_required_tags_apply_to_every_taggable_type_including_lambda() -> None:
    messages = check_resource(REQUIRED, "aws:lambda/function:Function", {"tags": {"environment": "prod"}}, name="fn")
    assert messages and "['managed-by', 'cost-center']" in messages[0]


def test_required_tags_violation_names_the_missing_tag() -> None:
    messages = check_resource(
        REQUIRED, "aws:ec2/vpc:Vpc", {"tags": {"environment": "prod", "managed-by": "mlinfra"}}, name="network-vpc"
    )
    assert len(messages) == 1
    assert "network-vpc" in messages[0] and "['cost-center']" in messages[0]


def test_required_tags_blank_value_counts_as_missing() -> None:
    messages = check_resource(REQUIRED, "aws:ec2/vpc:Vpc", {"tags": {**TAGS, "environment": " "}})
    assert messages and "['environment']" in messages[0]


def test_required_tags_pass_and_untaggable_types_are_ignored() -> None:
    assert check_resource(REQUIRED, "aws:ec2/vpc:Vpc", {"tags": TAGS}) == []
    assert check_resource(REQUIRED, "aws:s3/bucketPolicy:BucketPolicy", {"policy": "{}"}) == []


def test_required_tags_config_adds_a_tag() -> None:
    messages = check_resource(REQUIRED, "aws:ec2/vpc:Vpc", {"tags": TAGS}, config={"requiredTags": [*TAGS, "owner"]})
    assert messages and "['owner']" in messages[0]


def _team_tree(role_tags: dict[str, str]) -> list:
    team = resource(tokens.TEAM, "team-vision")
    role = resource("aws:iam/role:Role", "team-vision-role", {"tags": role_tags}, parent=team)
    outside = resource("aws:ec2/vpc:Vpc", "network-vpc", {"tags": TAGS})  # not team-owned: no team tag needed
    return [team, role, outside]


def test_team_tag_missing_under_a_team_component_is_reported_on_that_resource() -> None:
    found = check_stack(TEAM, _team_tree(TAGS))
    assert len(found) == 1
    message, urn = found[0]
    assert urn.endswith("::team-vision-role") and "team-vision" in message and "`team` tag" in message


def test_team_tag_inconsistent_within_one_team_is_reported() -> None:
    resources = _team_tree({**TAGS, "team": "vision"})
    resources.append(
        resource("aws:iam/policy:Policy", "team-vision-data", {"tags": {**TAGS, "team": "recsys"}}, parent=resources[0])
    )
    found = check_stack(TEAM, resources)
    assert [u.rsplit("::", 1)[1] for _, u in found] == ["team-vision-data"]


def test_team_tag_pass() -> None:
    assert check_stack(TEAM, _team_tree({**TAGS, "team": "vision"})) == []
