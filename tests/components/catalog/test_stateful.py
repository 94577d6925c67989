"""Stateful types: what is lost, and which real inputs force a replacement."""

from __future__ import annotations

import importlib
import inspect
import re

from components.catalog.crds import CRD_API_VERSIONS
from components.catalog.stateful import PROTECTED_IN_PROD, STATEFUL_TYPES


def test_stateful_types_name_what_is_lost_and_what_replaces_them() -> None:
    for type_, stateful in STATEFUL_TYPES.items():
        assert stateful.what and stateful.replace_on_change, type_
    assert set(PROTECTED_IN_PROD) >= {"aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:eks/cluster:Cluster"}
    assert set(PROTECTED_IN_PROD) <= set(STATEFUL_TYPES)


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
