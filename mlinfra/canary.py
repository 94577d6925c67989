"""Canary releases as reviewed changes: edit one endpoint of a team file, keep everything else.

``set_weight`` / ``promote`` / ``rollback`` change ``serving.<endpoint>`` of
``stacks/teams/<team>.yaml`` with a ruamel.yaml round trip, so comments, key order, quoting
and flow/block style stay as written and the pull request shows only the changed lines. The
result is validated with the same loader as ``mlinfra plan`` (every environment, every team
file) before anything is written: an edit that would not load is refused (ConfigError).

Domain only: functions return a ``CanaryChange``; ``mlinfra/canary_cli.py`` prints it.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from stacks.errors import ConfigError, Problem, display_path
from stacks.team_model import PATTERN_MEANS, TEAM_NAME_PATTERN

Action = Literal["set", "promote", "rollback"]
Validator = Callable[[Path], object]
"""Loads every team file of a directory for every environment; raises ConfigError."""

# Indentation styles tried, in order, as (mapping, sequence, offset): the first under which
# the unchanged file dumps back byte for byte is the file's own style.
_INDENT_STYLES = ((2, 4, 2), (2, 2, 0), (4, 6, 2), (4, 4, 0), (2, 4, 0), (4, 4, 2))


@dataclass(frozen=True)
class CanaryChange:
    """One edit of one endpoint, before it is written (``written`` says whether it was)."""

    action: Action
    team: str
    endpoint: str
    path: Path
    before: str
    after: str
    stable_version: str
    canary_version: str | None
    canary_weight: int
    """Percent of requests to the canary after the change (0 when there is no canary)."""
    written: bool = False

    @property
    def diff(self) -> str:
        name = display_path(self.path)
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
        return "".join(lines)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "team": self.team,
            "endpoint": self.endpoint,
            "file": display_path(self.path),
            "written": self.written,
            "stable": {"version": self.stable_version, "weight": 100 - self.canary_weight},
            "canary": None if self.canary_version is None else {"version": self.canary_version, "weight": self.canary_weight},
            "diff": self.diff,
        }


def team_file(teams_dir: Path, team: str) -> Path:
    """The file of ``team`` (``.yaml`` or ``.yml``); the name is checked before it becomes a path."""
    if not re.match(TEAM_NAME_PATTERN, team):
        raise ConfigError([Problem("TEAM", "-", f"team name {team!r}: {PATTERN_MEANS[TEAM_NAME_PATTERN]}")])
    for suffix in (".yaml", ".yml"):
        path = teams_dir / f"{team}{suffix}"
        if path.is_file():
            return path
    known = sorted(p.stem for p in teams_dir.glob("*.y*ml")) if teams_dir.is_dir() else []
    raise ConfigError([Problem(display_path(teams_dir), "-", f"no team file for {team!r}; teams: {known}")])


def _yaml_for(text: str, source: str) -> tuple[YAML, Any]:
    """A round-trip YAML instance in the file's own style, and the document."""
    for mapping, sequence, offset in _INDENT_STYLES:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap long lines
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        try:
            doc = yaml.load(text)
        except YAMLError as exc:
            raise ConfigError([Problem(source, "-", f"malformed YAML: {getattr(exc, 'problem', None) or exc}")]) from None
        if _dump(yaml, doc) == text:
            return yaml, doc
    raise ConfigError(
        [
            Problem(
                source,
                "-",
                "cannot edit this file without reformatting it (mixed indentation?); edit serving.<endpoint> by hand",
            )
        ]
    )


def _dump(yaml: YAML, doc: Any) -> str:
    stream = io.StringIO()
    yaml.dump(doc, stream)
    return stream.getvalue()


def _endpoint(doc: Any, source: str, endpoint: str) -> CommentedMap:
    serving = doc.get("serving") if isinstance(doc, dict) else None
    if not isinstance(serving, dict) or not serving:
        raise ConfigError([Problem(source, "serving", "the team has no serving endpoints")])
    ep = serving.get(endpoint)
    if not isinstance(ep, CommentedMap) or not isinstance(ep.get("stable"), CommentedMap):
        raise ConfigError(
            [
                Problem(
                    source, f"serving.{endpoint}", f"no endpoint {endpoint!r} with a stable version; endpoints: {sorted(serving)}"
                )
            ]
        )
    return ep


def _canary(ep: CommentedMap, source: str, endpoint: str, action: Action) -> CommentedMap:
    canary = ep.get("canary")
    if not isinstance(canary, CommentedMap):
        hint = {
            "set": 'add `canary: {version: "<new version>", weight: 0, replicas: 1}` first',
            "promote": "there is nothing to promote",
            "rollback": "there is nothing to roll back",
        }[action]
        raise ConfigError([Problem(source, f"serving.{endpoint}.canary", f"endpoint {endpoint!r} has no canary; {hint}")])
    return canary


def _edit(ep: CommentedMap, source: str, endpoint: str, action: Action, weight: int | None) -> None:
    canary = _canary(ep, source, endpoint, action)
    if action == "set":
        if "weight" in canary:
            canary["weight"] = weight
        else:  # right after the version, where a reader looks for it
            position = list(canary).index("version") + 1 if "version" in canary else 0
            canary.insert(position, "weight", weight)
        return
    if action == "promote":
        stable = ep["stable"]
        stable["version"] = canary.get("version")
        if "gpu" in canary:
            stable["gpu"] = canary["gpu"]
    del ep["canary"]


def plan_change(teams_dir: Path, team: str, endpoint: str, action: Action, weight: int | None = None) -> CanaryChange:
    """The edited text of the team file (nothing written, nothing validated yet)."""
    path = team_file(teams_dir, team)
    source = display_path(path)
    try:
        before = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(source, "-", f"cannot read: {exc}")]) from None
    yaml, doc = _yaml_for(before, source)
    ep = _endpoint(doc, source, endpoint)
    _edit(ep, source, endpoint, action, weight)
    after = _dump(yaml, doc)
    canary = ep.get("canary")
    canary_weight = canary.get("weight", 0) if isinstance(canary, dict) else 0
    return CanaryChange(
        action=action,
        team=team,
        endpoint=endpoint,
        path=path,
        before=before,
        after=after,
        stable_version=str(ep["stable"].get("version")),
        canary_version=None if not isinstance(canary, dict) else str(canary.get("version")),
        canary_weight=canary_weight if isinstance(canary_weight, int) else 0,
    )


def validate_change(change: CanaryChange, teams_dir: Path, validate: Validator) -> None:
    """Load a copy of the teams directory with the edited file in every environment; the
    problems name the real files."""
    with tempfile.TemporaryDirectory(prefix="mlinfra-canary-") as tmp:
        copy = Path(tmp) / "teams"
        shutil.copytree(teams_dir, copy)
        (copy / change.path.name).write_text(change.after, encoding="utf-8")
        try:
            validate(copy)
        except ConfigError as exc:
            real = {display_path(copy / p.name): display_path(teams_dir / p.name) for p in copy.iterdir()}
            raise ConfigError([Problem(real.get(p.file, p.file), p.field, p.message) for p in exc.problems]) from None


def apply_change(
    teams_dir: Path,
    team: str,
    endpoint: str,
    action: Action,
    *,
    validate: Validator,
    weight: int | None = None,
    dry_run: bool = False,
) -> CanaryChange:
    """Edit, validate, then (unless ``dry_run`` or nothing changed) replace the file atomically."""
    change = plan_change(teams_dir, team, endpoint, action, weight)
    validate_change(change, teams_dir, validate)
    if dry_run or not change.changed:
        return change
    tmp = change.path.with_name(f".{change.path.name}.canary-tmp")
    tmp.write_text(change.after, encoding="utf-8")
    os.replace(tmp, change.path)  # atomic: a reader sees the old file or the new one
    return replace(change, written=True)
