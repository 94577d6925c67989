"""What the pipeline tests read: the workflows, the stacks they must cover, the README section.

Everything is derived from the repository (stack files, policy configs), so a new stack that a
workflow forgets fails the tests instead of being silently left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
ACTIONS_DIR = ROOT / ".github" / "actions"
JENKINSFILE = ROOT / "Jenkinsfile"
README = ROOT / "README.md"

Job = dict[str, Any]
Step = dict[str, Any]


def stacks() -> dict[str, str]:
    """Every stack in stacks/Pulumi.<stack>.yaml, with its ``mlinfra:environment``."""
    found = {}
    for path in sorted((ROOT / "stacks").glob("Pulumi.*.yaml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
        found[path.name.split(".")[1]] = config["mlinfra:environment"]
    assert found, "no stacks/Pulumi.*.yaml"
    return found


@dataclass(frozen=True)
class Workflow:
    path: Path
    doc: dict[Any, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def triggers(self) -> dict[str, Any]:
        # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
        on = self.doc.get("on", self.doc.get(True))
        return {on: None} if isinstance(on, str) else dict(on)

    @property
    def jobs(self) -> dict[str, Job]:
        return dict(self.doc["jobs"])


def workflows() -> list[Workflow]:
    paths = sorted(WORKFLOWS_DIR.glob("*.yml")) + sorted(WORKFLOWS_DIR.glob("*.yaml"))
    return [Workflow(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in paths]


def workflow(name: str) -> Workflow:
    [found] = [w for w in workflows() if w.name == name]
    return found


def action_files() -> list[Path]:
    return sorted(ACTIONS_DIR.glob("*/action.yml"))


def uses(step: Step, action: str) -> bool:
    """Whether the step runs ``action`` (owner/name), whatever the version or SHA."""
    return str(step.get("uses", "")).split("@")[0] == action


def steps(job: Job) -> list[Step]:
    return list(job.get("steps", []))


def pulumi_steps(job: Job) -> list[Step]:
    return [s for s in steps(job) if uses(s, "pulumi/actions")]


def matrix_stacks(job: Job) -> list[str]:
    return list(job.get("strategy", {}).get("matrix", {}).get("stack", []))


def job_stacks(job: Job, step: Step) -> list[str]:
    """The stacks one pulumi step runs for: the matrix's, or its literal stack name."""
    name = str(step["with"]["stack-name"])
    return matrix_stacks(job) if "matrix.stack" in name else [name]


def expand(text: str, stack: str) -> str:
    return re.sub(r"\$\{\{\s*matrix\.stack\s*\}\}", stack, text)


def permissions(job: Job) -> dict[str, str]:
    value = job.get("permissions", {})
    assert isinstance(value, dict), f"permissions must be a map of scopes, not {value!r}"
    return {str(k): str(v) for k, v in value.items()}


def readme_section(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    assert start in text and end in text, f"README.md has no {start} ... {end} section"
    return text.split(start, 1)[1].split(end, 1)[0]


REVIEW_PREFIX = "python -m mlinfra review "


def review_command_lines(text: str) -> list[str]:
    """Every line of ``text`` that runs the review (comments and indentation stripped)."""
    return [line.strip() for line in text.splitlines() if line.strip().startswith(REVIEW_PREFIX)]
