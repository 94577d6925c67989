"""Names joined from a team and an endpoint or topic may not meet across teams."""

from __future__ import annotations

from stacks.collisions import joined_name_collisions


def test_team_a_endpoint_b_c_and_team_a_b_endpoint_c_are_refused_in_both_files() -> None:
    problems = joined_name_collisions(
        [("teams/a.yaml", "serving.b-c", "a", "b-c"), ("teams/a-b.yaml", "serving.c", "a-b", "c")], "endpoint"
    )
    assert [(p.file, p.field) for p in problems] == [("teams/a-b.yaml", "serving.c"), ("teams/a.yaml", "serving.b-c")]
    assert "'a-b-c'" in problems[0].message and "teams/a.yaml" in problems[0].message


def test_names_that_do_not_meet_pass() -> None:
    # Near miss: one character apart; and one team's own two parts never collide with each other.
    assert joined_name_collisions([("a.yaml", "serving.b-c", "a", "b-c"), ("a-b.yaml", "serving.d", "a-b", "d")], "x") == []
    assert joined_name_collisions([("a.yaml", "x", "a", "p"), ("a.yaml", "y", "a", "q")], "x") == []


def test_two_team_files_spelling_one_endpoint_resource_name_stop_the_load(tmp_path) -> None:
    import shutil
    from pathlib import Path

    import pytest

    from stacks.errors import ConfigError
    from stacks.loading import load_settings

    teams = Path(__file__).resolve().parents[2] / "stacks" / "teams"
    for path in teams.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    recsys = (teams / "recsys.yaml").read_text(encoding="utf-8")
    # recsys + "rec-ommend" and recsys-rec + "ommend" both make serving-recsys-rec-ommend.
    (tmp_path / "recsys.yaml").write_text(recsys.replace("\n  recommend:\n", "\n  rec-ommend:\n"), encoding="utf-8")
    other = recsys.replace("name: recsys\n", "name: recsys-rec\n").replace("\n  recommend:\n", "\n  ommend:\n")
    (tmp_path / "recsys-rec.yaml").write_text(
        other.replace("recommend.ml.example.com", "ommend.ml.example.com"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings("dev", teams_dir=tmp_path)
    found = [(Path(p.file).name, p.field) for p in caught.value.problems if "'recsys-rec-ommend'" in p.message]
    assert sorted(found) == [("recsys-rec.yaml", "serving.ommend"), ("recsys.yaml", "serving.rec-ommend")], caught.value.problems
