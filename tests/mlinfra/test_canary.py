"""mlinfra/canary.py: edits keep the file byte for byte except the changed lines, and an
edit that would not load is refused with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlinfra import canary
from stacks.errors import ConfigError

# A commented team-file fragment in both flow and block style.
TEAM = """\
# yaml-language-server: $schema=./team.schema.json
# Team "recsys"
name: recsys
owners:
  - mei.chen@example.com

serving:
  # The home-page recommender.
  recommend:
    host: recommend.ml.example.com        # DNS name, unique across teams
    model: recommend
    server: tensorflow-serving            # or triton
    port: 8500
    stable: {version: "1", replicas: 2, gpu: 0}
    canary: {version: "2", weight: 10, replicas: 1}   # optional
    timeout_ms: 500
  ranker:
    host: ranker.ml.example.com
    model: ranker
    stable:
      version: '3'    # block style
      replicas: 2
    canary:
      version: '4'
      replicas: 1
    timeout_ms: 800   # after the canary
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines only in before, lines only in after (position-aware via difflib)."""
    import difflib

    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


@pytest.fixture
def teams_dir(tmp_path: Path) -> Path:
    d = tmp_path / "teams"
    d.mkdir()
    (d / "recsys.yaml").write_text(TEAM, encoding="utf-8")
    return d


def run(
    teams_dir: Path,
    action: canary.Action,
    endpoint: str = "recommend",
    weight: int | None = None,
    validate: Callable[[Path], object] | None = None,
    dry_run: bool = False,
) -> canary.CanaryChange:
    return canary.apply_change(
        teams_dir, "recsys", endpoint, action, validate=validate or (lambda d: None), weight=weight, dry_run=dry_run
    )


def test_set_weight_changes_one_line(teams_dir: Path) -> None:
    change = run(teams_dir, "set", weight=25)
    after = (teams_dir / "recsys.yaml").read_text()
    assert change.written and after == change.after
    assert changed_lines(TEAM, after) == (
        ['    canary: {version: "2", weight: 10, replicas: 1}   # optional'],
        ['    canary: {version: "2", weight: 25, replicas: 1}   # optional'],
    )
    assert (change.stable_version, change.canary_version, change.canary_weight) == ("1", "2", 25)
    assert change.diff.startswith("--- a/") and '+    canary: {version: "2", weight: 25' in change.diff


def test_set_weight_adds_missing_weight_after_version(teams_dir: Path) -> None:
    run(teams_dir, "set", endpoint="ranker", weight=5)
    after = (teams_dir / "recsys.yaml").read_text()
    assert changed_lines(TEAM, after) == ([], ["      weight: 5"])
    assert "      version: '4'\n      weight: 5\n      replicas: 1\n" in after


def test_promote(teams_dir: Path) -> None:
    change = run(teams_dir, "promote")
    after = (teams_dir / "recsys.yaml").read_text()
    assert changed_lines(TEAM, after) == (
        ['    stable: {version: "1", replicas: 2, gpu: 0}', '    canary: {version: "2", weight: 10, replicas: 1}   # optional'],
        ['    stable: {version: "2", replicas: 2, gpu: 0}'],
    )
    assert (change.stable_version, change.canary_version, change.canary_weight) == ("2", None, 0)


def test_promote_block_style_keeps_quotes_and_comments(teams_dir: Path) -> None:
    run(teams_dir, "promote", endpoint="ranker")
    after = (teams_dir / "recsys.yaml").read_text()
    assert changed_lines(TEAM, after) == (
        ["      version: '3'    # block style", "    canary:", "      version: '4'", "      replicas: 1"],
        ["      version: '4'    # block style"],
    )
    assert "    timeout_ms: 800   # after the canary\n" in after


def test_rollback(teams_dir: Path) -> None:
    run(teams_dir, "rollback")
    after = (teams_dir / "recsys.yaml").read_text()
    assert changed_lines(TEAM, after) == (['    canary: {version: "2", weight: 10, replicas: 1}   # optional'], [])


def test_dry_run_writes_nothing(teams_dir: Path) -> None:
    change = run(teams_dir, "set", weight=50, dry_run=True)
    assert not change.written and change.changed
    assert (teams_dir / "recsys.yaml").read_text() == TEAM


def test_invalid_result_is_refused_and_names_the_real_file(teams_dir: Path) -> None:
    seen = []

    def validate(d: Path) -> None:
        seen.append((d / "recsys.yaml").read_text())
        from stacks.errors import Problem, display_path

        raise ConfigError([Problem(display_path(d / "recsys.yaml"), "serving.recommend.canary.weight", "must be from 0 to 100")])

    with pytest.raises(ConfigError) as exc:
        run(teams_dir, "set", weight=150, validate=validate)
    assert "weight: 150" in seen[0], "the validator saw the edited text"
    [problem] = exc.value.problems
    assert problem.file.endswith("teams/recsys.yaml") and "mlinfra-canary-" not in problem.file
    assert (teams_dir / "recsys.yaml").read_text() == TEAM, "nothing written"


@pytest.mark.parametrize(
    ("team", "endpoint", "action", "message"),
    [
        ("recsys", "missing", "set", "no endpoint 'missing' with a stable version; endpoints: ['ranker', 'recommend']"),
        ("ghost", "recommend", "promote", "no team file for 'ghost'"),
        ("../etc", "recommend", "promote", "must be a DNS label"),
    ],
)
def test_errors(teams_dir: Path, team: str, endpoint: str, action: canary.Action, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        canary.apply_change(teams_dir, team, endpoint, action, validate=lambda d: None, weight=1)
    assert message in str(exc.value.problems[0])


def test_no_canary(teams_dir: Path) -> None:
    run(teams_dir, "rollback")
    for action, hint in (("set", "add `canary:"), ("promote", "nothing to promote"), ("rollback", "nothing to roll back")):
        with pytest.raises(ConfigError) as exc:
            run(teams_dir, action, weight=1)  # type: ignore[arg-type]
        [problem] = exc.value.problems
        assert problem.field == "serving.recommend.canary" and hint in problem.message


def test_file_that_cannot_round_trip_is_refused(teams_dir: Path) -> None:
    odd = TEAM.replace("owners:\n  - mei", "owners:\n   - mei")  # 3-space sequence indent
    (teams_dir / "recsys.yaml").write_text(odd)
    with pytest.raises(ConfigError, match="without reformatting"):
        run(teams_dir, "set", weight=20)
    assert (teams_dir / "recsys.yaml").read_text() == odd
