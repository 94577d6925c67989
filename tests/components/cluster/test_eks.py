"""Pure EKS helpers: role keys for child names, the kubeconfig, the OIDC issuer."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from components.cluster.eks import kubeconfig, oidc_issuer, role_key


@pytest.mark.parametrize(
    "arn,key",
    [
        ("arn:aws:iam::123456789012:role/platform-admin", "platform-admin"),
        ("arn:aws:iam::123456789012:role/ops/oncall", "ops-oncall"),
        ("arn:aws-cn:iam::123456789012:role/a/b/c", "a-b-c"),
    ],
)
def test_role_key_is_the_role_path_and_name(arn: str, key: str) -> None:
    assert role_key(arn) == key


def test_kubeconfig_authenticates_with_aws_eks_get_token() -> None:
    doc = json.loads(kubeconfig("mlinfra-dev", "us-west-2", "https://example.eks.amazonaws.com", "Q0E="))
    (user,) = doc["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"] == ["eks", "get-token", "--cluster-name", "mlinfra-dev", "--region", "us-west-2"]
    assert "token" not in json.dumps(user["user"]).replace("get-token", ""), "no long-lived token is stored"
    assert doc["current-context"] == "mlinfra-dev"
    assert doc["clusters"][0]["cluster"] == {"server": "https://example.eks.amazonaws.com", "certificate-authority-data": "Q0E="}


def test_oidc_issuer_reads_the_first_identity() -> None:
    identity: Any = SimpleNamespace(oidcs=[SimpleNamespace(issuer="https://oidc.eks.us-west-2.amazonaws.com/id/X")])
    assert oidc_issuer([identity]) == "https://oidc.eks.us-west-2.amazonaws.com/id/X"
