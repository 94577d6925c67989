"""Team quotas against what the serving endpoints may scale to: an error naming the team file
and field in staging and prod, a warning in dev (mlinfra:mesh.serving_quota_shortfall)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from stacks.loading import load_settings, team_warnings_of
from stacks.serving_quota import cpu_millis, endpoint_demand, memory_mib
from stacks.serving_settings import ServingEndpoint
from tests.stacks.test_teams import GOOD_ENV, find, problems, team_doc, write

ENDPOINT: dict[str, Any] = {
    "host": "rank.ml.example.com",
    "model": "rank",
    "stable": {"version": "1", "replicas": 2},
    "canary": {"version": "2", "weight": 10, "replicas": 1},
    "autoscaling": {"min": 2, "max": 7},
    "cpu": "1",
    "memory": "2Gi",
}
# 7 + 1 pods, each 1 CPU + 100m sidecar and 2Gi + 128Mi: 8.8 CPU, 17408Mi, 8 pods.


def serving_team(tmp_path: Path, **quota: Any) -> None:
    env = {**copy.deepcopy(GOOD_ENV), "data_lake": {"models": "read"}}
    env["quota"].update(quota)
    envs = {stack: copy.deepcopy(env) for stack in ("dev", "staging", "prod")}  # no YAML anchors
    write(tmp_path, "rank.yaml", team_doc("rank", **envs, serving={"rank": copy.deepcopy(ENDPOINT)}))


def test_demand_counts_the_hpa_maximum_the_canary_and_the_sidecar() -> None:
    assert endpoint_demand(ServingEndpoint.model_validate(ENDPOINT)) == (8800, 8 * (2048 + 128), 8)
    fixed = ServingEndpoint.model_validate({**ENDPOINT, "autoscaling": None, "canary": None, "cpu": "100m", "memory": "64Mi"})
    # The model copy (250m, 256Mi) runs beside the sidecar before a smaller server starts.
    assert endpoint_demand(fixed) == (2 * 350, 2 * 384, 2)
    assert (cpu_millis("0.5"), cpu_millis("16"), cpu_millis("750m")) == (500, 16000, 750)
    assert (memory_mib("512Mi"), memory_mib("64Gi"), memory_mib("1Ti")) == (512, 65536, 1048576)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_quota_below_the_hpa_maximum_is_an_error(stack: str, tmp_path: Path) -> None:
    serving_team(tmp_path, cpu="8", memory="16Gi", pods=7)
    found = problems(stack, tmp_path)
    cpu = find(found, "rank.yaml", f"{stack}.quota.cpu", "requesting 8.8 CPU")
    assert f"but {stack}.quota.cpu is 8" in cpu.message and "autoscaling.max" in cpu.message, cpu
    find(found, "rank.yaml", f"{stack}.quota.memory", "requesting 17408Mi")
    find(found, "rank.yaml", f"{stack}.quota.pods", f"but {stack}.quota.pods is 7")


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_quota_that_holds_the_maximum_passes(stack: str, tmp_path: Path) -> None:
    # The near miss: exactly the demand.
    serving_team(tmp_path, cpu="8800m", memory="17408Mi", pods=8)
    settings = load_settings(stack, teams_dir=tmp_path)
    assert [t.name for t in settings.teams] == ["rank"]


def test_dev_warns_instead(tmp_path: Path) -> None:
    serving_team(tmp_path, cpu="8")
    [warning] = [w for w in team_warnings_of(load_settings("dev", teams_dir=tmp_path)) if "quota.cpu" in w]
    assert "rank.yaml: dev.quota.cpu:" in warning and "serving_quota_shortfall is 'warn'" in warning


def test_shipped_teams_fit_their_quotas_in_dev() -> None:
    """recsys in dev: 10 (HPA max) + 1 canary pods x 1.1 CPU = 12.1 CPU, within its 16."""
    assert not [w for w in team_warnings_of(load_settings("dev")) if "serving_quota_shortfall" in w]
