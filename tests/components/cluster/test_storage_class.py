"""The encrypted gp3 StorageClass, on a recorded plan."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from components.cluster.storage_class import STORAGE_CLASS_NAME, StorageClassArgs, encrypted_gp3_storage_class
from mlinfra.engine import run_program
from stacks.loading import load_settings

TYPE = "kubernetes:storage.k8s.io/v1:StorageClass"


def _plan(args: StorageClassArgs) -> Any:
    def program(_settings: Any) -> dict[str, Any]:
        provider = k8s.Provider("k8s", kubeconfig="{}")
        encrypted_gp3_storage_class("gp3", args, provider=provider)
        return {}

    return run_program(load_settings("dev"), program=program)


def test_default_class_is_encrypted_gp3_retained_and_zone_aware() -> None:
    sc = _plan(StorageClassArgs()).get(TYPE, "gp3")
    inputs = sc.inputs
    assert inputs["metadata"]["name"] == STORAGE_CLASS_NAME == "mlinfra-gp3-encrypted", sc.name
    assert inputs["provisioner"] == "ebs.csi.aws.com", sc.name
    assert inputs["parameters"] == {"type": "gp3", "encrypted": "true"}, sc.name
    assert inputs["reclaimPolicy"] == "Retain" and inputs["volumeBindingMode"] == "WaitForFirstConsumer", sc.name
    assert inputs["allowVolumeExpansion"] is True, sc.name
    assert inputs["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}, sc.name


def test_customer_key_and_not_default() -> None:
    key = "arn:aws:kms:us-west-2:123456789012:key/abc"
    sc = _plan(StorageClassArgs(kms_key_id=key, make_default=False)).get(TYPE, "gp3")
    assert sc.inputs["parameters"]["kmsKeyId"] == key, sc.name
    assert not sc.inputs["metadata"].get("annotations"), sc.name


def test_bad_reclaim_policy() -> None:
    with pytest.raises(ValueError, match=r"reclaim_policy must be one of \['Delete', 'Retain'\], got 'Recycle'"):
        StorageClassArgs(reclaim_policy="Recycle")
