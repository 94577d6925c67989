"""mlinfra/console.py: the one-line error/warning reports and the configuration-error summary."""

from __future__ import annotations

import pytest

from mlinfra.console import fail_config, usage_error, warning
from stacks.errors import ConfigError, Problem


def test_usage_error_prints_one_literal_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    exit_ = usage_error("--teams-dir /tmp/[red]x: not a directory")
    assert exit_.exit_code == 2
    captured = capsys.readouterr()
    # A path holding "[red]" is text, not rich markup; nothing goes to stdout.
    assert captured.err == "error: --teams-dir /tmp/[red]x: not a directory\n"
    assert captured.out == ""


def test_warning_is_one_literal_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    warning("team [b] over quota")
    assert capsys.readouterr().err == "warning: team [b] over quota\n"


def test_fail_config_lists_every_problem_under_one_summary(capsys: pytest.CaptureFixture[str]) -> None:
    problems = [Problem("a.yaml", "gpu", "must be >= 0, got -1"), Problem("b.yaml", "owners[0]", "not an email: [x]")]
    exit_ = fail_config(ConfigError(problems), "nothing was written")
    assert exit_.exit_code == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: 2 configuration problem(s); nothing was written",
        "  a.yaml: gpu: must be >= 0, got -1",
        "  b.yaml: owners[0]: not an email: [x]",
    ]
