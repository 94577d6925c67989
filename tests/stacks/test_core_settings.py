"""The core settings: region, tags, cost center, KMS window; one test per message."""

from __future__ import annotations

from tests.stacks.support import _error, _settings


def test_unsupported_region_lists_the_supported_ones() -> None:
    assert "region: must be one of ['ap-northeast-1'" in _error(**{"aws:region": "mars-1"})


def test_required_tags_cannot_be_overridden() -> None:
    assert "may not set the required tags ['environment']" in _error(**{"mlinfra:tags": {"environment": "x"}})


def test_cost_center_must_be_tag_safe() -> None:
    assert "mlinfra:cost_center: must be letters, digits, '.', '_' or '-' (no spaces)" in _error(
        **{"mlinfra:cost_center": "ml platform!"}
    )


def test_kms_deletion_window_is_bounded_by_kms() -> None:
    assert "mlinfra:kms_deletion_window_days: Input should be less than or equal to 30" in _error(
        **{"mlinfra:kms_deletion_window_days": 90}
    )


def test_tag_keys_follow_aws_limits() -> None:
    assert "tag key 'aws:owner' must be 1-128 characters and must not start with 'aws:'" in _error(
        **{"mlinfra:tags": {"aws:owner": "x"}}
    )
    assert "tag 'owner': values are at most 256 characters, got 300" in _error(**{"mlinfra:tags": {"owner": "x" * 300}})


def test_bad_region_names_the_aws_key() -> None:
    msg = _error(**{"aws:region": "mars-1"})
    assert "stacks/Pulumi.test.yaml: aws:region: must be one of" in msg and "mlinfra:region" not in msg


def test_more_extra_tags_than_fit_under_aws_limit() -> None:
    tags = {f"t{i}": "x" for i in range(31)}
    assert "mlinfra:tags: at most 30 extra tags, got 31: AWS allows 50 per resource" in _error(**{"mlinfra:tags": tags})


def test_kms_key_admins_must_be_whole_role_arns_listed_once() -> None:
    field = "mlinfra:kms_key_admin_role_arns"
    msg = _error(**{field: ["arn:aws:iam::123456789012:user/alice"]})
    assert f"{field}: 'arn:aws:iam::123456789012:user/alice' is not an IAM role ARN such as " in msg
    # fullmatch: a trailing newline (a YAML block scalar, a pasted value) is not a role ARN.
    assert "is not an IAM role ARN" in _error(**{field: ["arn:aws:iam::123456789012:role/admin\n"]})
    role = "arn:aws:iam::123456789012:role/kms-admin"
    assert f"list each role once; repeated: ['{role}']" in _error(**{field: [role, role]})
    assert _settings(**{field: [role]}).kms_key_admin_role_arns == (role,)


def test_no_key_administrators_by_default_in_any_environment() -> None:
    for env in ("dev", "staging", "prod"):
        assert _settings(**{"mlinfra:environment": env}).kms_key_admin_role_arns == (), env


def test_tag_characters_aws_rejects_are_refused_and_those_it_accepts_pass() -> None:
    assert "tag value 'a#b': AWS allows letters, digits, spaces and _ . : / = + - @ only, not ['#']" in _error(
        **{"mlinfra:tags": {"team": "a#b"}}
    )
    assert "tag key 'own*er'" in _error(**{"mlinfra:tags": {"own*er": "x"}})
    assert "tag value 'x\\n'" in _error(**{"mlinfra:tags": {"owner": "x\n"}})  # a trailing newline is not a space
    # Near miss: every allowed punctuation mark, other scripts and a space pass.
    assert _settings(**{"mlinfra:tags": {"owner": "ml-team_1.a:b/c=d+e@f é 数据"}}).tags["owner"].endswith("数据")
