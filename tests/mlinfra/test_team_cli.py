"""`mlinfra team new | list | schema`, and `mlinfra plan --teams-dir`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlinfra.cli import app
from stacks.settings import DEFAULT_TEAMS_DIR, load_settings
from stacks.teams import SCHEMA_COMMENT, SCHEMA_FILE, load_team_text

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture()
def teams_dir(tmp_path: Path) -> Path:
    """A copy of the shipped team files and schema."""
    target = tmp_path / "teams"
    shutil.copytree(DEFAULT_TEAMS_DIR, target)
    return target


def team_new(teams_dir: Path, *args: str) -> object:
    return runner.invoke(app, ["team", "new", *args, "--teams-dir", str(teams_dir)])


def test_team_new_round_trips_through_the_loader(teams_dir: Path) -> None:
    result = team_new(teams_dir, "nlp", "--owner", "li.wei@example.com", "--owner", "sam@example.com",
                      "--cost-center", "language", "--gpu-quota", "0")
    assert result.exit_code == 0, result.output
    path = teams_dir / "nlp.yaml"
    text = path.read_text()
    assert text.splitlines()[0] == SCHEMA_COMMENT, "nlp.yaml must reference the schema"
    team = load_team_text(str(path), text)
    assert team.owners == ("li.wei@example.com", "sam@example.com") and team.cost_center == "language", team
    for env in ("dev", "staging", "prod"):
        nlp = next(t for t in load_settings(env, teams_dir=teams_dir).teams if t.name == "nlp")
        assert nlp.gpu_quota == 0, f"{env}: {nlp}"
        assert nlp.data_lake["raw"] == "read" and nlp.data_lake["features"] == "read-write", f"{env}: {nlp.data_lake}"


def test_team_new_never_overwrites(teams_dir: Path) -> None:
    before = (teams_dir / "vision.yaml").read_text()
    result = team_new(teams_dir, "vision", "--owner", "x@example.com", "--cost-center", "cv")
    assert result.exit_code == 2, result.output
    assert "already exists" in result.output
    assert (teams_dir / "vision.yaml").read_text() == before, "vision.yaml was changed"


@pytest.mark.parametrize("name", ["../evil", "Bad", "a_b"])
def test_team_new_refuses_a_bad_name_before_writing(teams_dir: Path, name: str) -> None:
    before = sorted(p.name for p in teams_dir.parent.rglob("*"))
    result = team_new(teams_dir, name, "--owner", "x@example.com", "--cost-center", "cv")
    assert result.exit_code == 2 and "must be a DNS label" in result.output, result.output
    assert sorted(p.name for p in teams_dir.parent.rglob("*")) == before, f"{name}: a file was written"


def test_team_new_removes_a_file_that_does_not_load(teams_dir: Path) -> None:
    result = team_new(teams_dir, "big", "--owner", "not-an-email", "--cost-center", "cv")
    assert result.exit_code == 2, result.output
    assert not (teams_dir / "big.yaml").exists(), "big.yaml must be removed again"
    assert "big.yaml: owners[0]: must be an email address" in result.output, result.output
    assert "big.yaml would not load, so it was removed again" in result.output, result.output


def test_team_new_refuses_a_quota_above_capacity(teams_dir: Path) -> None:
    capacity = load_settings("dev").gpu_capacity()
    result = team_new(teams_dir, "big", "--owner", "a@example.com", "--cost-center", "cv", "--gpu-quota", str(capacity + 1))
    assert result.exit_code == 2, result.output
    assert not (teams_dir / "big.yaml").exists(), "big.yaml must be removed again"
    assert f"big.yaml: dev.quota.gpu: {capacity + 1} is above the dev GPU capacity" in result.output, result.output


@pytest.mark.parametrize("command", [["new", "nlp", "--owner", "x@example.com", "--cost-center", "cv"], ["list"]])
def test_team_commands_refuse_a_teams_dir_that_is_not_a_directory(tmp_path: Path, command: list[str]) -> None:
    result = runner.invoke(app, ["team", *command, "--teams-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "nope: not a directory" in result.output, result.output
    assert not (tmp_path / "nope").exists(), "nothing may be created"


def test_team_list_exits_2_on_a_bad_team_file(teams_dir: Path) -> None:
    (teams_dir / "bad.yaml").write_text("name: bad\n")
    result = runner.invoke(app, ["team", "list", "--teams-dir", str(teams_dir)])
    assert result.exit_code == 2 and "bad.yaml: owners: is required" in result.output, result.output


def test_team_list_json_reports_quotas_and_remaining_capacity(teams_dir: Path) -> None:
    result = runner.invoke(app, ["team", "list", "--json", "--teams-dir", str(teams_dir)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert sorted(doc["teams"]) == ["recsys", "vision"]
    vision_file = yaml.safe_load((teams_dir / "vision.yaml").read_text())
    for env in ("dev", "staging", "prod"):
        assert doc["teams"]["vision"]["environments"][env]["gpu"] == vision_file[env]["quota"]["gpu"], env
        cap = doc["gpu_capacity"][env]
        allocated = sum(t["environments"][env]["gpu"] for t in doc["teams"].values())
        assert cap["gpus"] == load_settings(env).gpu_capacity(), env
        assert (cap["allocated"], cap["remaining"]) == (allocated, cap["gpus"] - allocated), f"{env}: {cap}"


def test_team_list_table_shows_every_team_and_capacity(teams_dir: Path) -> None:
    result = runner.invoke(app, ["team", "list", "--teams-dir", str(teams_dir)])
    assert result.exit_code == 0, result.output
    assert "vision" in result.output and "recsys" in result.output and "GPUs left" in result.output, result.output


def test_team_schema_prints_the_committed_schema() -> None:
    result = runner.invoke(app, ["team", "schema"])
    assert result.exit_code == 0
    assert result.stdout == (DEFAULT_TEAMS_DIR / SCHEMA_FILE).read_text(), "regenerate: python -m mlinfra team schema > stacks/teams/team.schema.json"


def _mlinfra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlinfra", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_plan_with_a_bad_teams_dir_exits_2_listing_every_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: a\nowners: [nobody]\ncost_center: x\n")
    (tmp_path / "b.yaml").write_text("name: [\n")
    result = _mlinfra("plan", "--stack", "dev", "--teams-dir", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    for line in ("a.yaml: owners[0]: must be an email address", "a.yaml: dev: is required",
                 "a.yaml: prod: is required", "b.yaml: line 2: malformed YAML"):
        assert line in result.stderr, f"missing {line!r} in:\n{result.stderr}"
    assert "Traceback" not in result.stderr


def test_plan_prints_the_overcommit_warning_and_the_team_resources(tmp_path: Path) -> None:
    capacity = load_settings("dev").gpu_capacity()
    for name in ("a", "b"):
        doc = yaml.safe_load((DEFAULT_TEAMS_DIR / "recsys.yaml").read_text())
        doc.update(name=name)
        for env in ("dev", "staging", "prod"):
            doc[env]["read_published"] = []
        doc["dev"]["quota"]["gpu"] = capacity
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    result = _mlinfra("plan", "--stack", "dev", "--teams-dir", str(tmp_path))
    # 1 is "planned, with policy findings" (other rules); 2 would be a refused configuration.
    assert result.returncode in (0, 1), result.stderr
    assert f"team quotas: the teams' GPU quotas total {2 * capacity}" in result.stdout, result.stdout[-2000:]
    assert "team-a-namespace" in result.stdout and "team-b-quota" in result.stdout, "team resources missing from the plan"
