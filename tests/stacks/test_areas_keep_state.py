"""The area contract moved no resource: every URN of the plans before it is still planned.

tests/golden/pre-areas/ holds `mlinfra plan --json` of main before the restructuring (commit
c024696: one flat components/ folder, build_platform as one function), gzipped. `mlinfra diff`
against today's plans finds no replace and no delete but the deliberate ones listed in
INTENDED_DELETES (new resources from later work are creates).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from mlinfra.diff import diff_files
from mlinfra.engine import Plan
from tests.conftest import cached_plan, cached_split

BEFORE = Path(__file__).resolve().parents[1] / "golden" / "pre-areas"

# Resources deleted on purpose since, per plan, each with its reason; no other may go.
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
INTENDED_DELETES: dict[str, set[tuple[str, str]]] = {
    # Issue 21, item 11: Strimzi team clients get the cluster CA as a copy in their own namespace
    # (components/kafka/_team_secrets.py); the Role reaching into the kafka namespace is gone.
    "dev": {(RBAC + kind, f"kafka-{team}-read-ca") for kind in ("Role", "RoleBinding") for team in ("recsys", "vision")},
}


def _plans(name: str) -> Plan:
    stack, _, part = name.partition("-")
    if not part:
        return cached_plan(stack)
    halves = cached_split(stack)
    plan: Plan = getattr(halves, part)
    return plan


@pytest.mark.parametrize("name", ["dev", "staging", "prod", "prod-platform", "prod-tenants"])
def test_no_resource_is_replaced_or_deleted_by_the_area_contract(name: str, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_bytes(gzip.decompress((BEFORE / f"{name}.json.gz").read_bytes()))
    head = tmp_path / "head.json"
    head.write_text(_plans(name).dumps(), encoding="utf-8")
    result = diff_files(base, head)
    summary = result.summary()
    moved = [f"{c.op} {c.urn}" for c in result.changes if c.op in ("replace", "delete")]
    deleted = {(c.type, c.urn.rsplit("::", 1)[-1]) for c in result.changes if c.op == "delete"}
    assert summary["replace"] == 0 and deleted == INTENDED_DELETES.get(name, set()), f"{name}: {moved[:10]}"
    assert summary["same"] + summary["update"] > 0.9 * (summary["same"] + summary["update"] + summary["delete"]), summary
    assert result.findings == [], f"{name}: {[f.message for f in result.findings][:5]}"
