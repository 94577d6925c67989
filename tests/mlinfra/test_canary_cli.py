"""`mlinfra canary` end to end on copies of the shipped team files, validated by the real
loader (every environment): only the changed lines differ, a refused edit writes nothing."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from stacks.loading import DEFAULT_TEAMS_DIR

runner = CliRunner()


@pytest.fixture
def teams_dir(tmp_path: Path) -> Path:
    d = tmp_path / "teams"
    shutil.copytree(DEFAULT_TEAMS_DIR, d)
    return d


def changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ("- ", "+ ")]


def canary(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["canary", *args])
    return result.exit_code, result.stdout, result.stderr


def test_set_promote_on_the_shipped_recsys_file(teams_dir: Path) -> None:
    path = teams_dir / "recsys.yaml"
    original = path.read_text()
    code, out, _ = canary("set", "recsys", "recommend", "--weight", "25", "--teams-dir", str(teams_dir))
    assert code == 0, out
    after_set = path.read_text()
    assert changed(original, after_set) == [
        '-     canary: {version: "2", weight: 10, replicas: 1}',
        '+     canary: {version: "2", weight: 25, replicas: 1}',
    ]
    assert "stable v1 75%, canary v2 25%" in out and '+    canary: {version: "2", weight: 25' in out
    code, out, _ = canary("promote", "recsys", "recommend", "--teams-dir", str(teams_dir))
    assert code == 0, out
    assert sorted(changed(after_set, path.read_text())) == [
        '+     stable: {version: "2", replicas: 2, gpu: 0}',
        '-     canary: {version: "2", weight: 25, replicas: 1}',
        '-     stable: {version: "1", replicas: 2, gpu: 0}',
    ]
    # Every comment of the file survived both edits.
    assert [line for line in original.splitlines() if "#" in line] == [
        line for line in path.read_text().splitlines() if "#" in line
    ]


def test_rollback_json(teams_dir: Path) -> None:
    code, out, _ = canary("rollback", "recsys", "recommend", "--teams-dir", str(teams_dir), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["action"] == "rollback" and doc["written"] is True and doc["canary"] is None
    assert doc["stable"] == {"version": "1", "weight": 100}
    assert '-    canary: {version: "2", weight: 10, replicas: 1}' in doc["diff"]


def test_invalid_weight_is_refused_with_the_file_and_field(teams_dir: Path) -> None:
    path = teams_dir / "recsys.yaml"
    original = path.read_text()
    code, _, err = canary("set", "recsys", "recommend", "--weight", "150", "--teams-dir", str(teams_dir))
    assert code == 2
    assert "recsys.yaml: serving.recommend.canary.weight: Input should be less than or equal to 100" in err
    assert "the team file was not changed" in err and "mlinfra-canary-" not in err
    assert path.read_text() == original


def test_dry_run_and_unknown_endpoint(teams_dir: Path) -> None:
    path = teams_dir / "recsys.yaml"
    original = path.read_text()
    code, out, _ = canary("set", "recsys", "recommend", "--weight", "40", "--dry-run", "--teams-dir", str(teams_dir))
    assert code == 0 and "would write" in out and path.read_text() == original
    code, _, err = canary("promote", "vision", "classify", "--teams-dir", str(teams_dir))
    assert code == 2 and "serving.classify.canary: endpoint 'classify' has no canary; there is nothing to promote" in err
    code, _, err = canary("set", "recsys", "ranking", "--weight", "5", "--teams-dir", str(teams_dir))
    assert code == 2 and "no endpoint 'ranking'" in err


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["canary", "--help"])
    assert result.exit_code == 0
    for command in ("set", "promote", "rollback"):
        assert command in result.stdout
    result = runner.invoke(app, ["canary", "set", "--help"])
    assert "--weight" in result.stdout and "--teams-dir" in result.stdout and "--json" in result.stdout
