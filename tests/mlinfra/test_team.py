"""`mlinfra team new | list | schema`, and `mlinfra plan --teams-dir`."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mlinfra.cli import app
from stacks.loading import DEFAULT_TEAMS_DIR, load_settings
from stacks.teams import SCHEMA_COMMENT, SCHEMA_FILE, load_team_text

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


EXAMPLE_TEAMS = ("recsys", "vision")


@pytest.fixture()
def teams_dir(tmp_path: Path) -> Path:
    """A copy of the shipped example teams and the schema only: exact expectations hold
    whatever teams were onboarded into stacks/teams since (a new team's pull request adds one)."""
    target = tmp_path / "teams"
    target.mkdir()
    for name in (*(f"{t}.yaml" for t in EXAMPLE_TEAMS), SCHEMA_FILE):
        shutil.copy(DEFAULT_TEAMS_DIR / name, target)
    return target


@pytest.fixture(autouse=True)
def _real_teams_dir_untouched() -> Iterator[None]:
    """No test here may write into stacks/teams (`team new` tests pass --teams-dir)."""
    before = sorted(p.name for p in DEFAULT_TEAMS_DIR.iterdir())
    yield
    created = sorted(set(p.name for p in DEFAULT_TEAMS_DIR.iterdir()) - set(before))
    assert not created, f"a test wrote into {DEFAULT_TEAMS_DIR}: {created}"


def team_new(teams_dir: Path, *args: str) -> Any:
    return runner.invoke(app, ["team", "new", *args, "--teams-dir", str(teams_dir)])


def test_team_new_round_trips_through_the_loader(teams_dir: Path) -> None:
    result = team_new(
        teams_dir,
        "nlp",
        "--owner",
        "li.wei@example.com",
        "--owner",
        "sam@example.com",
        "--cost-center",
        "language",
        "--gpu-quota",
        "0",
    )
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


@pytest.mark.parametrize("name", ["../evil", "Bad", "a_b", "nlp2\n"])
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
    # `team new` plans nothing; it says what it did not do.
    assert "configuration problem(s); nothing was written" in result.output, result.output
    assert "nothing was planned" not in result.output, result.output


def _readme_commands() -> list[list[str]]:
    """The shell commands of README.md's Teams section, split as a shell would."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Teams\n") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    commands = []
    for line in section.splitlines():
        if "mlinfra " in line and line.lstrip().startswith(("python", ".venv", "mlinfra")):
            commands.append(shlex.split(line, comments=True))
    return commands


def test_readme_team_commands_are_consistent() -> None:
    commands = _readme_commands()
    assert any(c[3:5] == ["team", "new"] for c in commands), commands
    for command in commands:
        assert command[:3] == ["python", "-m", "mlinfra"], f"README Teams: {shlex.join(command)}"


def test_readme_onboarding_works_in_a_temporary_teams_dir(teams_dir: Path) -> None:
    """The README's `team new` command, against the examples (never the real stacks/teams)."""
    (command,) = [c for c in _readme_commands() if c[3:5] == ["team", "new"]]
    result = team_new(teams_dir, *command[5:])
    assert result.exit_code == 0, result.output
    (name,) = [a for a in command[5:] if not a.startswith("-")][:1]
    assert (teams_dir / f"{name}.yaml").is_file(), result.output
    for env in ("dev", "staging", "prod"):
        assert name in [t.name for t in load_settings(env, teams_dir=teams_dir).teams], env


def _examples_gpus(teams_dir: Path, env: str) -> int:
    return sum(yaml.safe_load((teams_dir / f"{t}.yaml").read_text())[env]["quota"]["gpu"] for t in EXAMPLE_TEAMS)


def test_team_new_prints_the_overcommit_warnings_of_dev_and_staging(teams_dir: Path) -> None:
    capacity = {env: load_settings(env, teams_dir=teams_dir).gpu_capacity() for env in ("dev", "staging", "prod")}
    over = [env for env in ("dev", "staging", "prod") if _examples_gpus(teams_dir, env) + 1 > capacity[env]]
    assert over == ["dev", "staging"], f"the examples fill dev and staging: {capacity}"
    result = team_new(teams_dir, "nlp", "--owner", "li.wei@example.com", "--cost-center", "language", "--gpu-quota", "1")
    assert result.exit_code == 0, result.output
    assert (teams_dir / "nlp.yaml").is_file(), "a warning keeps the file"
    for env in over:
        total = _examples_gpus(teams_dir, env) + 1
        assert (
            f"warning: team quotas: the teams' GPU quotas total {total} " in result.output
            and f"above the {env} GPU capacity of {capacity[env]}" in result.output
            and f"(allowed in {env}: team_quota_overcommit is 'warn')" in result.output
        ), f"{env}:\n{result.output}"
    assert "above the prod GPU capacity" not in result.output, result.output
    assert result.output.index("wrote ") < result.output.index("warning:"), "the warnings follow the file written"


def test_team_new_within_capacity_prints_no_warning(teams_dir: Path) -> None:
    result = team_new(teams_dir, "nlp", "--owner", "li.wei@example.com", "--cost-center", "language", "--gpu-quota", "0")
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_team_new_refuses_a_prod_overcommit_and_removes_the_file(tmp_path: Path) -> None:
    capacity = {env: load_settings(env, teams_dir=tmp_path).gpu_capacity() for env in ("dev", "staging", "prod")}
    quota = min(capacity["dev"], capacity["staging"])
    assert quota >= 1, capacity
    doc = yaml.safe_load((DEFAULT_TEAMS_DIR / "vision.yaml").read_text())
    doc["name"] = "big"
    for env in ("dev", "staging", "prod"):
        doc[env]["quota"]["gpu"] = 0
    doc["prod"]["quota"]["gpu"] = capacity["prod"] - quota + 1  # one above capacity with the new team
    (tmp_path / "big.yaml").write_text(yaml.safe_dump(doc))
    result = team_new(tmp_path, "nlp", "--owner", "li.wei@example.com", "--cost-center", "language", "--gpu-quota", str(quota))
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "nlp.yaml").exists(), "nlp.yaml must be removed again"
    assert f"prod.quota.gpu: the teams' GPU quotas total {capacity['prod'] + 1}" in result.output, result.output
    assert "nothing was written" in result.output and "wrote " not in result.output, result.output


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
        assert (cap["allocated"], cap["remaining"], cap["overcommitted_by"]) == (allocated, cap["gpus"] - allocated, 0), (
            f"{env}: the examples fit: {cap}"
        )


def test_team_list_table_shows_every_team_and_capacity(teams_dir: Path) -> None:
    result = runner.invoke(app, ["team", "list", "--teams-dir", str(teams_dir)])
    assert result.exit_code == 0, result.output
    assert "vision" in result.output and "recsys" in result.output and "GPUs left" in result.output, result.output


def test_team_list_shows_an_overcommitment_plainly(teams_dir: Path) -> None:
    # dev and staging only warn, so a team over capacity there is written and listed.
    assert (
        team_new(teams_dir, "nlp", "--owner", "li.wei@example.com", "--cost-center", "language", "--gpu-quota", "1").exit_code
        == 0
    )
    doc = json.loads(runner.invoke(app, ["team", "list", "--json", "--teams-dir", str(teams_dir)]).stdout)
    dev = doc["gpu_capacity"]["dev"]
    assert dev["allocated"] > dev["gpus"], dev
    assert (dev["remaining"], dev["overcommitted_by"]) == (0, dev["allocated"] - dev["gpus"]), dev
    table = runner.invoke(app, ["team", "list", "--teams-dir", str(teams_dir)])
    assert table.exit_code == 0, table.output
    assert f"over by {dev['overcommitted_by']} ({dev['gpus']} GPUs)" in table.output, table.output
    assert "-1" not in table.output and " GPUs left" in table.output, table.output  # prod still has room


def test_team_schema_prints_the_committed_schema() -> None:
    result = runner.invoke(app, ["team", "schema"])
    assert result.exit_code == 0
    assert result.stdout == (DEFAULT_TEAMS_DIR / SCHEMA_FILE).read_text(), (
        "regenerate: python -m mlinfra team schema > stacks/teams/team.schema.json"
    )


def _mlinfra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlinfra", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_plan_with_a_bad_teams_dir_exits_2_listing_every_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: a\nowners: [nobody]\ncost_center: x\n")
    (tmp_path / "b.yaml").write_text("name: [\n")
    result = _mlinfra("plan", "--stack", "dev", "--teams-dir", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    for line in (
        "a.yaml: owners[0]: must be an email address",
        "a.yaml: dev: is required",
        "a.yaml: prod: is required",
        "b.yaml: line 2: malformed YAML",
        "configuration problem(s); nothing was planned",
    ):
        assert line in result.stderr, f"missing {line!r} in:\n{result.stderr}"
    assert "Traceback" not in result.stderr


def test_plan_prints_the_overcommit_warning_and_the_team_resources(tmp_path: Path) -> None:
    capacity = load_settings("dev").gpu_capacity()
    for name in ("a", "b"):
        doc = yaml.safe_load((DEFAULT_TEAMS_DIR / "recsys.yaml").read_text())
        doc.update(name=name)
        doc.pop("serving", None)  # hosts are unique across teams; the copies would share them
        doc.pop("mesh", None)
        for env in ("dev", "staging", "prod"):
            doc[env]["read_published"] = []
        doc["dev"]["quota"]["gpu"] = capacity
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    result = _mlinfra("plan", "--stack", "dev", "--teams-dir", str(tmp_path))
    # 1 is "planned, with policy findings" (other rules); 2 would be a refused configuration.
    assert result.returncode in (0, 1), result.stderr
    assert f"team quotas: the teams' GPU quotas total {2 * capacity}" in result.stdout, result.stdout[-2000:]
    assert "team-a-namespace" in result.stdout and "team-b-quota" in result.stdout, "team resources missing from the plan"


def test_team_new_refuses_a_platform_namespace(teams_dir: Path) -> None:
    before = sorted(p.name for p in teams_dir.parent.rglob("*"))
    result = team_new(teams_dir, "gpu-operator", "--owner", "x@example.com", "--cost-center", "cv")
    assert result.exit_code == 2 and "'gpu-operator' is reserved for the platform" in result.output, result.output
    assert sorted(p.name for p in teams_dir.parent.rglob("*")) == before, "a file was left behind"
