"""Fuzzing the team-file loader: any input loads or raises ConfigError, never another exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacks.errors import ConfigError
from stacks.teams import TeamFile, load_team_text, read_team_files, validate_team_document

# Characters YAML gives meaning to, plus enough letters to make keys and values.
YAML_ALPHABET = st.sampled_from(list(":-[]{}#&*!|>'\"%@`?,\n\t ") + list("abcnrsvy019.") + ["\\", "\u00e9", "\x00"])
KEYS = [
    "name",
    "owners",
    "cost_center",
    "dev",
    "staging",
    "prod",
    "quota",
    "gpu",
    "cpu",
    "memory",
    "pods",
    "data_lake",
    "read_published",
    "raw",
    "models",
    "read",
    "read-write",
]

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(KEYS)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6) | st.integers(), inner, max_size=5)
    ),
    max_leaves=25,
)


def _near_valid() -> st.SearchStrategy[dict[str, Any]]:
    """Valid-looking documents with random values in the right places (reaches deeper checks)."""
    env = st.fixed_dictionaries(
        {"quota": st.dictionaries(st.sampled_from(["gpu", "cpu", "memory", "pods"]), scalars, max_size=4)},
        optional={
            "data_lake": st.dictionaries(st.text(max_size=8), scalars | st.sampled_from(["read", "read-write"])),
            "read_published": st.lists(scalars, max_size=3),
        },
    )
    return st.fixed_dictionaries(
        {
            "name": scalars,
            "owners": st.lists(scalars, max_size=3),
            "cost_center": scalars,
            "dev": env | documents,
            "staging": env,
            "prod": env,
        }
    )


def _loads_or_config_error(call: Any) -> None:
    try:
        result = call()
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must list at least one problem"
        return
    assert isinstance(result, TeamFile)


@settings(max_examples=150, deadline=None)
@given(st.text(YAML_ALPHABET, max_size=120))
def test_any_text_loads_or_raises_config_error(text: str) -> None:
    _loads_or_config_error(lambda: load_team_text("fuzz.yaml", text))


@settings(max_examples=150, deadline=None)
@given(documents | _near_valid())
def test_any_document_loads_or_raises_config_error(doc: Any) -> None:
    def call() -> TeamFile:
        team, problems = validate_team_document("fuzz.yaml", doc)
        if team is None:
            raise ConfigError(problems)
        return team

    _loads_or_config_error(call)
    # The same document written as YAML text goes through the parser too.
    _loads_or_config_error(lambda: load_team_text("fuzz.yaml", yaml.safe_dump(doc, allow_unicode=True)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=80) | st.text(YAML_ALPHABET, max_size=80).map(str.encode), min_size=1, max_size=3))
def test_any_directory_of_files_reports_problems_without_crashing(tmp_path: Path, files: list[bytes]) -> None:
    for old in tmp_path.glob("*.y*ml"):
        old.unlink()
    for i, content in enumerate(files):
        (tmp_path / f"t{i}.yaml").write_bytes(content)
    loaded, problems = read_team_files(tmp_path)
    # Random bytes never make a complete team file, so every file yields at least one problem.
    assert not loaded and {p.file.rsplit("/", 1)[-1] for p in problems} == {f"t{i}.yaml" for i in range(len(files))}
