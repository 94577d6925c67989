"""The catalog's smaller facts: stateful types, tokens, namespaces, CRD versions, the S3 TLS statement."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from components.catalog import namespaces, tokens
from components.catalog.crds import CRD_API_VERSIONS
from components.catalog.s3 import TLS_ONLY_SID, tls_only_statement
from components.catalog.stateful import PROTECTED_IN_PROD, STATEFUL_TYPES
from stacks.team_model import RESERVED_NAMES

COMPONENTS = Path(__file__).resolve().parents[3] / "components"
TOKEN = re.compile(r"mlinfra:([a-z]+):([A-Za-z]+)")


def _tokens() -> dict[str, str]:
    return {name: value for name, value in vars(tokens).items() if name.isupper()}


def test_type_tokens_have_no_stutter_and_are_unique() -> None:
    values = list(_tokens().values())
    assert len(values) == len(set(values)), values
    for value in values:
        match = TOKEN.fullmatch(value)
        assert match, f"{value} is not mlinfra:<area>:<Class>"
        area, cls = match.groups()
        assert not cls.lower().startswith(area), f"{value} stutters (the area repeats the class)"


def test_components_take_their_type_token_from_the_catalog() -> None:
    literal = [p.name for p in COMPONENTS.glob("*.py") if TOKEN.search(p.read_text(encoding="utf-8"))]
    assert literal == [], f"type tokens typed in components instead of components/catalog/tokens.py: {literal}"


def test_stateful_types_name_what_is_lost_and_what_replaces_them() -> None:
    for type_, stateful in STATEFUL_TYPES.items():
        assert stateful.what and stateful.replace_on_change, type_
    assert set(PROTECTED_IN_PROD) >= {"aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:eks/cluster:Cluster"}
    assert set(PROTECTED_IN_PROD) <= set(STATEFUL_TYPES)


def test_teams_may_not_take_any_platform_namespace() -> None:
    assert namespaces.PLATFORM_NAMESPACES <= RESERVED_NAMES
    assert namespaces.KUBERNETES_NAMESPACES <= RESERVED_NAMES
    assert namespaces.GPU_OPERATOR in RESERVED_NAMES


def test_tls_only_statement_denies_plain_http_on_bucket_and_objects() -> None:
    statement = tls_only_statement("arn:aws:s3:::b", "arn:aws:s3:::b/*")
    assert statement["Sid"] == TLS_ONLY_SID and statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_replace_on_change_names_real_inputs_of_each_stateful_type() -> None:
    """Every listed property is a top-level input of the pulumi_aws 7.x resource (wire name -> snake_case)."""
    for token, stateful in STATEFUL_TYPES.items():
        if token.startswith("kubernetes:") and token.split(":")[2] in CRD_API_VERSIONS:
            # Custom resources (components/_crd.py) have only apiVersion, kind, metadata and spec.
            assert {p.split(".")[0] for p in stateful.replace_on_change} <= {"metadata", "spec"}, token
            continue
        module, cls = token.split(":")[1].split("/")[0], token.split(":")[2]
        args = getattr(importlib.import_module(f"pulumi_aws.{module}"), f"{cls}Args")
        params = inspect.signature(args.__init__).parameters
        for path in stateful.replace_on_change:
            snake = re.sub(r"([A-Z])", r"_\1", path.split(".")[0]).lower()
            assert snake in params, f"{token}: {path!r} is not an input of {args.__name__}"
