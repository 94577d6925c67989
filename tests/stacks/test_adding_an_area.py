"""Adding an area is new files plus its registration: the worked example of README "Adding an area".

examples/area/ holds a small area (a settings model, a component creating a ConfigMap per team,
a catalog module with its type token). The test copies the project, adds those files and the
registration (the mixin imported and listed among Settings' bases), and plans dev as one stack
and split in two, with no edit anywhere else.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "area"
PROJECT = ("components", "stacks", "mlinfra", "policies", "templates", "__main__.py", "Pulumi.yaml", "pyproject.toml")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "venv")


def _register(settings_py: Path) -> None:
    """The registration: import the mixin, list it among Settings' bases."""
    text = settings_py.read_text(encoding="utf-8")
    text = text.replace(
        "from stacks.network_settings import NetworkArea\n",
        "from stacks.network_settings import NetworkArea\nfrom stacks.notes_settings import NotesArea\n",
    )
    text = text.replace("    MonitoringArea,\n", "    MonitoringArea,\n    NotesArea,\n")
    settings_py.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("with-notes")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=IGNORE)
        else:
            shutil.copy2(source, repo / name)
    shutil.copytree(EXAMPLE / "components", repo / "components", dirs_exist_ok=True, ignore=IGNORE)
    shutil.copytree(EXAMPLE / "stacks", repo / "stacks", dirs_exist_ok=True, ignore=IGNORE)
    shutil.copytree(EXAMPLE / "templates", repo / "templates", dirs_exist_ok=True, ignore=IGNORE)
    _register(repo / "stacks" / "settings.py")
    return repo


@cache
def _plan(repo: Path, *args: str) -> dict:
    out = repo / f"plan{'-'.join(args)}.json"
    done = subprocess.run(
        [sys.executable, "-m", "mlinfra", "plan", "--stack", "dev", *args, "--json", str(out)],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    doc: dict = json.loads(out.read_text(encoding="utf-8"))
    return doc


def _notes(plan: dict) -> dict[str, dict]:
    """The notes ConfigMaps of a plan, by URN."""
    return {
        step["urn"]: step["newState"]
        for step in plan["steps"]
        if step["urn"].endswith("-configmap") and "mlinfra:notes:TeamNotes$" in step["urn"]
    }


def _team_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "stacks" / "teams").glob("*.yaml"))


def test_the_example_needs_new_files_and_the_registration_only(project: Path) -> None:
    changed = []
    for name in PROJECT:
        for path in sorted((project / name).rglob("*.py")) if (project / name).is_dir() else []:
            original = ROOT / path.relative_to(project)
            if not original.exists():
                assert (EXAMPLE / path.relative_to(project)).exists(), f"{path}: neither the project's nor the example's"
            elif original.read_bytes() != path.read_bytes():
                changed.append(str(path.relative_to(project)))
    assert changed == ["stacks/settings.py"]
    before = (ROOT / "stacks/settings.py").read_text(encoding="utf-8").splitlines()
    after = (project / "stacks/settings.py").read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["from stacks.notes_settings import NotesArea", "    NotesArea,"] and len(after) == len(before) + 2


def test_one_stack_gets_a_notes_configmap_in_every_team_namespace(project: Path) -> None:
    notes = _notes(_plan(project))
    teams = _team_names()
    assert len(notes) == len(teams) > 0, sorted(notes)
    assert sorted(s["inputs"]["metadata"]["namespace"] for s in notes.values()) == teams
    assert {s["inputs"]["data"]["notes"] for s in notes.values()} == {"welcome to dev"}


def test_the_area_alert_rules_reach_prometheus(project: Path) -> None:
    rules = [step["newState"]["inputs"] for step in _plan(project)["steps"] if step["urn"].endswith("::monitoring-rules-notes")]
    alerts = [r["alert"] for rule in rules for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert alerts == ["TeamNotesMissing"], [s for s in rules]


def test_split_in_two_the_notes_go_to_the_tenants_stack_with_the_same_urns(project: Path) -> None:
    one_stack = set(_notes(_plan(project)))
    assert _notes(_plan(project, "--part", "platform")) == {}
    tenants = set(_notes(_plan(project, "--part", "tenants")))
    # Same names and parents, so `pulumi state move` carries them without replacement.
    assert {u.split("::")[-1] for u in tenants} == {u.split("::")[-1] for u in one_stack} != set()
