"""mlinfra/progress.py and its use by `mlinfra plan`: shown on a terminal only, never with --json -."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from mlinfra import engine, progress
from mlinfra.cli import app
from mlinfra.engine import Plan, PlannedResource


def terminal(buffer: io.StringIO) -> Console:
    return Console(file=buffer, force_terminal=True, width=120)


def test_engine_calls_the_hook_once_per_registration_and_a_terminal_shows_the_count() -> None:
    buffer = io.StringIO()
    seen: list[PlannedResource] = []
    with progress.progress("planning dev", enabled=True, console=terminal(buffer)) as tracker:

        def hook(resource: PlannedResource) -> None:
            seen.append(resource)
            tracker.resource_registered(resource)

        plan = engine.plan_stack("dev", on_resource=hook)
    # Every resource of the plan but the default providers (the engine adds those after the run).
    registered = [r for r in plan.resources if not r.name.startswith("default_")]
    assert sorted(r.urn for r in seen) == sorted(r.urn for r in registered)
    assert tracker.resources == len(registered)
    assert f"{len(registered)} resources registered" in buffer.getvalue()
    assert "planning dev" in buffer.getvalue()


def test_not_a_terminal_writes_nothing_but_still_counts() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer)  # a file, not a terminal
    assert not progress.wants_progress(console=console)
    with progress.progress("planning dev", console=console) as tracker:
        tracker.advance(3)
        tracker.stack_done("dev")
    assert buffer.getvalue() == ""
    assert (tracker.resources, tracker.stacks) == (3, ["dev"])


def test_machine_output_switches_progress_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_stdout_is_terminal", lambda: True)
    console = terminal(io.StringIO())
    assert progress.wants_progress(console=console)
    assert not progress.wants_progress(machine_output=True, console=console)


def test_stacks_done_are_shown() -> None:
    buffer = io.StringIO()
    with progress.progress("reviewing", enabled=True, console=terminal(buffer)) as tracker:
        tracker.advance(2)
        tracker.stack_done("platform")
    assert "stacks done: platform" in buffer.getvalue()


@pytest.mark.parametrize("json_to_stdout", [False, True])
def test_plan_command_shows_progress_on_a_terminal_only_without_json_to_stdout(
    monkeypatch: pytest.MonkeyPatch, dev_plan: Plan, json_to_stdout: bool, tmp_path: Path
) -> None:
    """The CLI wiring, with the terminal simulated and the cached dev plan (no second plan)."""
    buffer = io.StringIO()
    monkeypatch.setattr(progress, "_stdout_is_terminal", lambda: True)
    monkeypatch.setattr(progress, "stderr_console", lambda: terminal(buffer))

    def replay(stack: str, **kwargs: Any) -> Plan:
        for r in dev_plan.resources:
            kwargs["on_resource"](r)
        return dataclasses.replace(dev_plan, extras={})  # the command adds extras: never to the shared plan

    monkeypatch.setattr(engine, "plan_stack", replay)
    args = ["plan", "--stack", "dev"] + (["--json", "-"] if json_to_stdout else ["--json", str(tmp_path / "plan.json")])
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    if json_to_stdout:
        assert buffer.getvalue() == ""
        assert json.loads(result.stdout)["mlinfra"]["stack"] == "dev"  # stdout is the JSON alone
    else:
        assert f"{len(dev_plan.resources)} resources registered" in buffer.getvalue()
        assert "progress" not in result.stdout and "resources registered" not in result.stdout
