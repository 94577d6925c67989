"""Team files: every validation message, the shipped examples, and the committed schema."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from stacks.errors import ConfigError, Problem
from stacks.loading import DEFAULT_TEAMS_DIR, load_settings, team_warnings_of
from stacks.teams import (
    SCHEMA_COMMENT,
    SCHEMA_FILE,
    TeamFile,
    team_file_paths,
    team_schema,
    team_schema_text,
    validate_team_document,
)

GOOD_ENV: dict[str, Any] = {
    "quota": {"gpu": 1, "cpu": "8", "memory": "32Gi", "pods": 50},
    "data_lake": {"raw": "read", "features": "read-write"},
}


def team_doc(name: str, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": name,
        "owners": [f"{name}-lead@example.com"],
        "cost_center": "research",
        "dev": copy.deepcopy(GOOD_ENV),
        "staging": copy.deepcopy(GOOD_ENV),
        "prod": copy.deepcopy(GOOD_ENV),
    }
    doc.update(changes)
    return doc


def write(teams_dir: Path, filename: str, doc: Any) -> Path:
    path = teams_dir / filename
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def problems(stack: str, teams_dir: Path, **kwargs: Any) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_settings(stack, teams_dir=teams_dir, **kwargs)
    return info.value.problems


def find(found: list[Problem], file: str, field: str, text: str) -> Problem:
    matches = [p for p in found if p.file.endswith(file) and p.field == field and text in p.message]
    assert matches, f"expected a problem {file}: {field}: ...{text}...; got:\n" + "\n".join(map(str, found))
    return matches[0]


# -- the shipped teams --------------------------------------------------------------------
# Derived from the files, never a fixed list: a team's onboarding pull request adds a file to
# stacks/teams, and CI must stay green. Exact expectations use a temporary teams dir.
def shipped_team_names() -> list[str]:
    return sorted(p.stem for p in team_file_paths(DEFAULT_TEAMS_DIR))


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_teams_load_in_every_environment(stack: str) -> None:
    settings = load_settings(stack)
    assert [t.name for t in settings.teams] == shipped_team_names(), f"{stack}: {settings.teams}"
    for team in settings.teams:
        block = yaml.safe_load((DEFAULT_TEAMS_DIR / f"{team.name}.yaml").read_text())[stack]
        assert team.gpu_quota == block["quota"]["gpu"], f"{stack}: {team.name} gpu quota"
        assert team.data_lake == block["data_lake"], f"{stack}: {team.name} data lake access"
    if settings.team_quota_overcommit == "error":  # elsewhere the teams may overcommit (a warning)
        assert sum(t.gpu_quota for t in settings.teams) <= settings.gpu_capacity(), f"{stack}: shipped teams overcommit"


def test_the_shipped_examples_stay_within_capacity(tmp_path: Path) -> None:
    # The examples alone, whatever other teams were onboarded since.
    for name in ("recsys", "vision"):
        shutil.copy(DEFAULT_TEAMS_DIR / f"{name}.yaml", tmp_path)
    for stack in ("dev", "staging", "prod"):
        settings = load_settings(stack, teams_dir=tmp_path)
        assert [t.name for t in settings.teams] == ["recsys", "vision"], f"{stack}: {settings.teams}"
        assert sum(t.gpu_quota for t in settings.teams) <= settings.gpu_capacity(), f"{stack}: the examples overcommit"


def test_published_reads_are_granted_only_where_the_owner_writes() -> None:
    recsys = next(t for t in load_settings("dev").teams if t.name == "recsys")
    # vision writes curated, features, models; it only reads raw, so it cannot publish there.
    assert recsys.published_reads == (
        ("curated", "teams/vision/published/"),
        ("features", "teams/vision/published/"),
        ("models", "teams/vision/published/"),
    ), "recsys published reads"


def test_every_shipped_team_file_references_the_schema() -> None:
    for path in sorted(DEFAULT_TEAMS_DIR.glob("*.yaml")):
        assert path.read_text().splitlines()[0] == SCHEMA_COMMENT, f"{path.name} must start with {SCHEMA_COMMENT}"


# -- the schema ---------------------------------------------------------------------------
def test_committed_schema_is_the_generated_one() -> None:
    committed = (DEFAULT_TEAMS_DIR / SCHEMA_FILE).read_text()
    assert committed == team_schema_text(), (
        f"stacks/teams/{SCHEMA_FILE} is stale; regenerate it: python -m mlinfra team schema > stacks/teams/{SCHEMA_FILE}"
    )


def test_schema_accepts_the_shipped_teams_and_rejects_unknown_fields() -> None:
    validator = jsonschema.Draft202012Validator(team_schema())
    for path in sorted(DEFAULT_TEAMS_DIR.glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path.name}: {[e.message for e in errors]}"
    bad = team_doc("x", dev={**GOOD_ENV, "gpus": 1}, owners=["not-an-email"])
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert any("gpus" in m for m in messages) and any("not-an-email" in m for m in messages), messages


# -- one test per message -----------------------------------------------------------------
def test_unknown_fields_are_named(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", ownerz=["x@example.com"], dev={**GOOD_ENV, "gpus": 2}))
    found = problems("dev", tmp_path)
    find(found, "a.yaml", "ownerz", "unknown field")
    find(found, "a.yaml", "dev.gpus", "unknown field")


def test_duplicate_names_are_reported_on_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a"))
    write(tmp_path, "a.yml", team_doc("a"))
    found = problems("dev", tmp_path)
    find(found, "a.yaml", "name", "defined more than once (also in")
    find(found, "a.yml", "name", "defined more than once (also in")


@pytest.mark.parametrize("bad", ["Vision", "vision_team", "9lives", "team-", "x" * 33])
def test_invalid_names_say_what_a_dns_label_is(tmp_path: Path, bad: str) -> None:
    write(tmp_path, f"{bad}.yaml", team_doc(bad))
    find(problems("dev", tmp_path), f"{bad}.yaml", "name", "must be a DNS label")


def test_name_must_equal_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("b"))
    find(problems("dev", tmp_path), "a.yaml", "name", "must equal the file name 'a', got 'b'")


@pytest.mark.parametrize("reserved", ["default", "monitoring", "kube-ml"])
def test_platform_namespaces_are_reserved(tmp_path: Path, reserved: str) -> None:
    write(tmp_path, f"{reserved}.yaml", team_doc(reserved))
    find(problems("dev", tmp_path), f"{reserved}.yaml", "name", "is reserved for the platform")


def test_a_reserved_name_and_field_errors_are_reported_together(tmp_path: Path) -> None:
    """Every problem at once: the reserved name does not wait for the typo to be fixed, nor the
    typo for the name, nor a file-name mismatch for either."""
    doc = team_doc("gpu-operator", cost_centre="x", owners=["ok@example.com", "bad"])
    del doc["cost_center"]
    doc["dev"]["read_published"] = ["gpu-operator"]
    write(tmp_path, "other.yaml", doc)
    found = problems("dev", tmp_path)
    assert {(p.field, p.message.split(":")[0]) for p in found} >= {
        ("cost_center", "is required"),
        ("cost_centre", "unknown field; team file fields"),
        ("owners[1]", "must be an email address such as ana.lima@example.com, got 'bad'"),
        ("dev.read_published[0]", "a team always reads its own prefixes; remove it"),
    }
    find(found, "other.yaml", "name", "'gpu-operator' is reserved for the platform")
    find(found, "other.yaml", "name", "must equal the file name 'other', got 'gpu-operator'")


def test_owner_must_be_an_email(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", owners=["ok@example.com", "ana"]))
    found = problems("dev", tmp_path)
    find(found, "a.yaml", "owners[1]", "must be an email address")
    assert [p.field for p in found] == ["owners[1]"], found


def test_every_problem_of_a_file_is_reported_on_its_field(tmp_path: Path) -> None:
    # A bad owner next to missing blocks: no message may be lost or land on another field.
    write(tmp_path, "a.yaml", "name: a\nowners: [nobody]\ncost_center: x\n")
    found = problems("dev", tmp_path)
    assert sorted(p.field for p in found) == ["dev", "owners[0]", "prod", "staging"], found
    find(found, "a.yaml", "owners[0]", "must be an email address")
    assert all(p.message == "is required" for p in found if p.field != "owners[0]"), found


def test_a_team_needs_an_owner(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", owners=[]))
    find(problems("dev", tmp_path), "a.yaml", "owners", "at least 1 item")


def test_access_to_a_zone_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "data_lake": {"gold": "read"}}))
    find(problems("dev", tmp_path), "a.yaml", "dev.data_lake.gold", "no data lake zone 'gold'; zones: ['raw'")


def test_access_level_must_be_read_or_read_write(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "data_lake": {"raw": "write"}}))
    find(problems("dev", tmp_path), "a.yaml", "dev.data_lake.raw", "must be one of 'read' or 'read-write'")


@pytest.mark.parametrize(
    "text,where",
    [("name: a\nowners: [x@example.com\n", "line 3"), ("name: a\n  owners: x\n", "line 2"), ("\tname: a\n", "line 1")],
)
def test_malformed_yaml_names_the_line(tmp_path: Path, text: str, where: str) -> None:
    write(tmp_path, "a.yaml", text)
    find(problems("dev", tmp_path), "a.yaml", where, "malformed YAML")


@pytest.mark.parametrize(
    "text,where,key",
    [
        ("name: a\ndev: {}\nowners: [a@example.com]\ndev:\n  quota: {gpu: 0}\n", "line 4", "dev"),
        ("name: a\ndev:\n  quota:\n    gpu: 1\n    gpu: 2\n", "line 5", "gpu"),
    ],
)
def test_a_duplicate_key_is_an_error_not_the_last_wins(tmp_path: Path, text: str, where: str, key: str) -> None:
    write(tmp_path, "a.yaml", text)
    found = problems("dev", tmp_path)
    problem = find(found, "a.yaml", where, f"duplicate key {key!r}")
    assert str(problem) == f"{tmp_path / 'a.yaml'}: {where}: duplicate key {key!r}", problem


def test_a_team_file_is_a_map(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- name: a\n")
    find(problems("dev", tmp_path), "a.yaml", "-", "a team file is a YAML map")


def test_a_team_file_is_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"name: \xff\n")
    find(problems("dev", tmp_path), "a.yaml", "-", "not UTF-8")


def test_every_environment_block_is_required(tmp_path: Path) -> None:
    doc = team_doc("a")
    del doc["prod"]
    write(tmp_path, "a.yaml", doc)
    find(problems("dev", tmp_path), "a.yaml", "prod", "is required")


def test_reference_to_a_team_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", staging={**GOOD_ENV, "read_published": ["ghost"]}))
    find(problems("dev", tmp_path), "a.yaml", "staging.read_published[0]", "no team 'ghost'; teams: ['a']")


def test_a_team_does_not_list_itself_as_published_source(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "read_published": ["a"]}))
    find(problems("dev", tmp_path), "a.yaml", "dev.read_published[0]", "always reads its own prefixes")


@pytest.mark.parametrize("field,value,text", [("cpu", "lots", "CPU quantity"), ("memory", "64GB", "memory quantity")])
def test_quantities_are_kubernetes_quantities(tmp_path: Path, field: str, value: str, text: str) -> None:
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "quota": {**GOOD_ENV["quota"], field: value}}))
    find(problems("dev", tmp_path), "a.yaml", f"dev.quota.{field}", text)


def test_cost_center_says_what_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", cost_center="cv research"))
    find(problems("dev", tmp_path), "a.yaml", "cost_center", "must be letters, digits, '.', '_' or '-' (no spaces)")


@pytest.mark.parametrize(
    "field,value,text", [("gpu", -1, "greater than or equal to 0"), ("pods", 0, "greater than or equal to 1")]
)
def test_quota_counts_have_bounds(tmp_path: Path, field: str, value: int, text: str) -> None:
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "quota": {**GOOD_ENV["quota"], field: value}}))
    find(problems("dev", tmp_path), "a.yaml", f"dev.quota.{field}", text)


def test_numbers_are_cpu_quantities(tmp_path: Path) -> None:
    # `cpu: 0.5` and `cpu: 16` in YAML are numbers; Kubernetes reads them as "0.5" and "16".
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "quota": {**GOOD_ENV["quota"], "cpu": 0.5}}))
    write(tmp_path, "b.yaml", team_doc("b", dev={**GOOD_ENV, "quota": {**GOOD_ENV["quota"], "cpu": 16}}))
    assert [t.cpu_quota for t in load_settings("dev", teams_dir=tmp_path).teams] == ["0.5", "16"]


def test_owners_is_a_list(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", owners="ana@example.com"))
    find(problems("dev", tmp_path), "a.yaml", "owners", "must be a list such as [a, b], got 'ana@example.com'")


def test_zone_names_are_text(tmp_path: Path) -> None:
    doc = team_doc("a")
    doc["dev"]["data_lake"] = {1: "read"}  # YAML `1: read`: the key is a number
    write(tmp_path, "a.yaml", doc)
    find(problems("dev", tmp_path), "a.yaml", "dev.data_lake.1", "a key here must be a name (text), got 1")


def test_nesting_too_deep_is_malformed_yaml(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "[" * 5000)
    find(problems("dev", tmp_path), "a.yaml", "-", "malformed YAML: nested too deeply")


def test_a_self_referencing_document_is_malformed_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    # pydantic reports the cycles YAML anchors can build as errors of their own; this guard
    # is for a validator that recurses regardless.
    def recurse(doc: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(TeamFile, "model_validate", recurse)
    team, found = validate_team_document("a.yaml", team_doc("a"))
    assert team is None
    find(found, "a.yaml", "-", "malformed YAML: a structure refers to itself")


def test_an_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "a.yaml", team_doc("a"))

    read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.parent == tmp_path:
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    find(problems("dev", tmp_path), "a.yaml", "-", "cannot read: Permission denied")


def test_quota_above_the_environment_gpu_capacity(tmp_path: Path) -> None:
    capacity = load_settings("dev").gpu_capacity()
    write(tmp_path, "a.yaml", team_doc("a", dev={**GOOD_ENV, "quota": {"gpu": capacity + 1}}))
    find(
        problems("dev", tmp_path),
        "a.yaml",
        "dev.quota.gpu",
        f"{capacity + 1} is above the dev GPU capacity of {capacity}",
    )


def test_overcommit_is_a_warning_in_dev(tmp_path: Path) -> None:
    capacity = load_settings("dev").gpu_capacity()
    for name in ("a", "b"):
        write(tmp_path, f"{name}.yaml", team_doc(name, dev={**GOOD_ENV, "quota": {"gpu": capacity}}))
    settings = load_settings("dev", teams_dir=tmp_path)
    warnings = team_warnings_of(settings)
    assert len(warnings) == 1 and f"total {2 * capacity} (a={capacity}, b={capacity})" in warnings[0], warnings


def test_overcommit_is_an_error_in_prod(tmp_path: Path) -> None:
    capacity = load_settings("prod").gpu_capacity()
    share = capacity // 2 + 1
    for name in ("a", "b"):
        write(tmp_path, f"{name}.yaml", team_doc(name, prod={**GOOD_ENV, "quota": {"gpu": share}}))
    found = problems("prod", tmp_path)
    problem = find(found, tmp_path.name, "prod.quota.gpu", f"total {2 * share} (a={share}, b={share})")
    assert f"above the prod GPU capacity of {capacity}" in problem.message, problem
    # The same files within capacity in dev raise nothing there and warn about nothing.
    assert team_warnings_of(load_settings("dev", teams_dir=tmp_path)) == []


def test_all_problems_of_all_files_and_the_stack_file_come_together(tmp_path: Path) -> None:
    teams = tmp_path / "teams"
    teams.mkdir()
    write(teams, "a.yaml", team_doc("a", owners=["nope"]))
    write(teams, "b.yaml", "name: [\n")
    write(teams, "c.yaml", team_doc("c", dev={**GOOD_ENV, "read_published": ["zz"]}))
    stack_file = write(tmp_path, "Pulumi.dev.yaml", {"config": {"aws:region": "us-west-2", "mlinfra:environment": "nope"}})
    found = problems("dev", teams, stack_file=stack_file)
    find(found, "a.yaml", "owners[0]", "email")
    find(found, "b.yaml", "line 2", "malformed YAML")
    find(found, "c.yaml", "dev.read_published[0]", "no team 'zz'")
    find(found, "Pulumi.dev.yaml", "mlinfra:environment", "must be one of")


def test_teams_are_not_a_stack_file_setting(tmp_path: Path) -> None:
    stack_file = write(
        tmp_path, "Pulumi.dev.yaml", {"config": {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:teams": []}}
    )
    find(problems("dev", DEFAULT_TEAMS_DIR, stack_file=stack_file), "Pulumi.dev.yaml", "mlinfra:teams", "team files")


def test_missing_teams_dir(tmp_path: Path) -> None:
    find(problems("dev", tmp_path / "nope"), "nope", "-", "teams directory not found")


def test_problems_render_as_file_field_message(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", team_doc("a", owners=["nope"]))
    with pytest.raises(ConfigError) as info:
        load_settings("dev", teams_dir=tmp_path)
    assert (
        str(info.value) == f"{tmp_path / 'a.yaml'}: owners[0]: must be an email address such as ana.lima@example.com, got 'nope'"
    )


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(team_schema_text()))


def test_anchors_and_aliases_are_refused_in_team_files(tmp_path: Path) -> None:
    text = yaml.safe_dump(team_doc("a")).replace("owners:\n- ", "owners: &o\n- ") + "extra: *o\n"
    write(tmp_path, "a.yaml", text)
    found = problems("dev", tmp_path)
    problem = next((p for p in found if p.file.endswith("a.yaml") and "anchors and aliases" in p.message), None)
    assert problem is not None and problem.field.startswith("line "), found
    assert "(&name / *name) are not allowed" in problem.message, problem
