"""mlinfra/report.py: every command's rendering, from hand-built results onto a recording console.

The commands' end-to-end tests (test_diff, test_verify, test_bootstrap, test_team, test_cli)
check what a user sees; these check the renderer alone: order, wording, escaping, JSON shape.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from mlinfra import report
from mlinfra.bootstrap import ALREADY_OK, CREATED, UPDATED, BootstrapResult, Step
from mlinfra.diff import Change, DiffResult, Finding
from mlinfra.engine import Plan, Secret
from mlinfra.verify import FAIL, PASS, SKIP, Check, VerifyResult

BUCKET, KEY = "aws:s3/bucket:Bucket", "aws:kms/key:Key"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::mlinfra::{type_}::{name}"


def render(draw: Any, *args: Any, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, highlight=False, color_system=None)
    draw(console, *args)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def row_of(text: str, *cells: str) -> int:
    """Index of the table line holding every cell (fails if none or several do)."""
    hits = [i for i, line in enumerate(text.splitlines()) if line.startswith("│") and all(c in line for c in cells)]
    assert len(hits) == 1, (cells, text)
    return hits[0]


def diff_result() -> DiffResult:
    changes = [
        Change("create", urn(BUCKET, "new"), BUCKET, "new"),
        Change("update", urn(BUCKET, "tagged"), BUCKET, "tagged", keys=("tags",)),
        # `bucket` forces the replacement but the engine did not list it among the diffs.
        Change("replace", urn(BUCKET, "renamed"), BUCKET, "renamed", keys=("tags",), replace_keys=("bucket",)),
        Change("delete", urn(KEY, "old-key"), KEY, "old-key", protect=True),
        Change("same", urn(BUCKET, "untouched"), BUCKET, "untouched"),
    ]
    findings = [
        Finding(urn(BUCKET, "renamed"), BUCKET, "renamed", "replace", "bucket [raw] would be replaced", "keep it", "loss"),
        Finding(urn(KEY, "old-key"), KEY, "old-key", "delete", "key would lose `protect`", "keep it protected", "protection"),
    ]
    return DiffResult(changes, findings)


def test_diff_table_orders_by_risk_and_marks_replacement_keys() -> None:
    text = render(report.print_diff, diff_result())
    assert text.splitlines()[0].startswith("mlinfra diff: 1 to create, 1 to update, 1 to replace, 1 to delete (1 unchanged)"), (
        text
    )
    # replace, delete, update, create: the riskiest first; unchanged resources get no row.
    rows = [row_of(text, op, name) for op, name in (("replace", "renamed"), ("delete", "old-key"), ("update", "tagged"))]
    assert rows == sorted(rows) and row_of(text, "create", "new") > rows[-1]
    assert "untouched" not in text
    assert "tags, bucket (forces replacement)" in text.splitlines()[rows[0]]


def test_diff_findings_are_worded_by_kind_and_printed_literally() -> None:
    text = render(report.print_diff, diff_result())
    assert "2 finding(s) about stateful resources: 1 deleted or replaced, 1 losing protection" in text
    # A finding's text is data, not markup: "[raw]" must survive.
    assert f"✗ replace {BUCKET} renamed: bucket [raw] would be replaced" in text
    assert "→ keep it protected" in text


def test_diff_without_findings_says_nothing_stateful_is_lost() -> None:
    changes = [Change("update", urn(BUCKET, "b"), BUCKET, "b", keys=("tags",))]
    text = render(report.print_diff, DiffResult(changes, []))
    assert "no stateful resource would be deleted or replaced" in text
    assert "finding(s)" not in text


def test_diff_json_has_sorted_keys_and_no_unchanged_resources() -> None:
    text = report.diff_json(diff_result())
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert list(doc) == sorted(doc) == ["changes", "finding_counts", "findings", "summary"]
    assert [c["name"] for c in doc["changes"]] == ["new", "tagged", "renamed", "old-key"]
    assert doc["summary"]["same"] == 1 and doc["finding_counts"] == {"loss": 1, "rename": 0, "protection": 1}
    assert list(doc["changes"][0]) == sorted(doc["changes"][0])


VERIFY = VerifyResult(
    "eu-west-1",
    "123456789012",
    [
        Check("s3://raw", "versioning", PASS, "Enabled"),
        Check("s3://raw", "access logging", FAIL, "off [see s3://logs]"),
        Check("gpu node groups", "all", SKIP, "no gpu_node_groups in the stack outputs"),
    ],
)


def test_verify_table_has_one_row_per_check_and_the_counts() -> None:
    text = render(report.print_checks, Path("out.json"), VERIFY)
    assert "mlinfra verify: out.json against account 123456789012 in eu-west-1" in text
    row_of(text, "s3://raw", "versioning", "PASS", "Enabled")
    row_of(text, "s3://raw", "access logging", "FAIL", "off [see s3://logs]")  # detail printed literally
    row_of(text, "gpu node groups", "all", "SKIP")
    assert text.splitlines()[-1] == "1 passed, 1 failed, 1 skipped"


def test_verify_json_lists_checks_in_order_with_fields_in_order() -> None:
    doc = json.loads(report.verify_json(VERIFY))
    assert [(c["check"], c["result"]) for c in doc] == [("versioning", "pass"), ("access logging", "fail"), ("all", "skip")]
    assert list(doc[0]) == ["resource", "check", "result", "detail"]


def bootstrap_result(*statuses: str) -> BootstrapResult:
    steps = [Step(f"step {i}", s, f"detail {i}") for i, s in enumerate(statuses)]
    login = "pulumi login 's3://" + "b" * 60 + "?region=eu-west-1&awssdk=v2'"
    init = "pulumi stack init dev --secrets-provider='awskms://alias/x?region=eu-west-1'"
    return BootstrapResult("eu-west-1", "b" * 60, "alias/x", "arn:key", "123456789012", steps, login, init)


def test_bootstrap_counts_what_changed_and_prints_the_commands_unwrapped() -> None:
    result = bootstrap_result(CREATED, UPDATED, ALREADY_OK, CREATED)
    text = render(report.print_bootstrap, result, width=60)
    assert "2 created, 1 updated, 1 already ok" in text
    lines = text.splitlines()
    # Commands are copied into a shell: they must stay one line even on a narrow terminal.
    assert f"  {result.login_command}" in lines and f"  {result.stack_init_command}" in lines


def test_bootstrap_rerun_says_nothing_changed() -> None:
    text = render(report.print_bootstrap, bootstrap_result(ALREADY_OK, ALREADY_OK))
    assert "nothing changed: all 2 steps already ok" in text
    assert "created," not in text


def test_bootstrap_json_adds_changed_to_the_fields() -> None:
    doc = json.loads(report.bootstrap_json(bootstrap_result(ALREADY_OK)))
    assert doc["changed"] is False and doc["steps"] == [{"step": "step 0", "status": ALREADY_OK, "detail": "detail 0"}]
    assert json.loads(report.bootstrap_json(bootstrap_result(UPDATED)))["changed"] is True


def team_doc() -> dict[str, Any]:
    quota = {"gpu": 2, "cpu": "8", "memory": "32Gi", "pods": 50, "data_lake": {}}
    return {
        "teams": {"nlp": {"owners": ["a@x.io", "b@x.io"], "cost_center": "cc-1", "environments": {"dev": quota}}},
        "gpu_capacity": {
            "dev": {"gpus": 4, "allocated": 2, "remaining": 2, "overcommitted_by": 0},
            "staging": {"gpus": 1, "allocated": 3, "remaining": 0, "overcommitted_by": 2},
            "prod": {"gpus": 8, "allocated": 0, "remaining": 8, "overcommitted_by": 0},
        },
    }


def test_team_table_shows_quotas_absences_and_overcommitment() -> None:
    text = render(lambda console, doc: console.print(report.team_table(doc)), team_doc())
    row = text.splitlines()[row_of(text, "nlp", "a@x.io, b@x.io", "cc-1")]
    # dev has a quota; staging and prod have no entry for the team.
    assert "2 / 8 / 32Gi / 50" in row and row.count(" - ") == 2
    capacity = text.splitlines()[row_of(text, "capacity")]
    assert "2 of 4 GPUs left" in capacity and "over by 2 (1 GPUs)" in capacity and "8 of 8 GPUs left" in capacity


def test_teams_json_is_sorted() -> None:
    text = report.teams_json(team_doc())
    assert json.loads(text) == team_doc()
    assert text.index('"gpu_capacity"') < text.index('"teams"') and text.index('"prod"') < text.index('"staging"')


def test_plan_outputs_never_show_a_secret_value(dev_plan: Plan) -> None:
    secrets = {k: v for k, v in dev_plan.outputs.items() if isinstance(v, Secret)}
    assert secrets, "the dev plan has secret outputs (the kubeconfig)"
    text = render(lambda console, plan: console.print(report.outputs_table(plan)), dev_plan)
    for key, secret in secrets.items():
        assert key in text and str(secret.value)[:20] not in text
    assert "[secret]" in text


def test_user_text_is_printed_literally_never_as_markup_or_emoji() -> None:
    # Names, paths and messages come from users: "[/]" must not crash rich, "[red]" must not
    # vanish, and ":lock:" must not become an emoji (the field a message names would be lost).
    odd = "team-[/]-x [red]y:lock:"
    changes = [Change("create", urn(BUCKET, odd), BUCKET, odd, keys=())]
    text = render(report.print_diff, DiffResult(changes, []))
    assert odd in text, text
    plan = Plan(
        stack="st[/]ack",
        resources=[],
        outputs={"k:lock:": "v[b]"},
        diagnostics=[{"severity": "warning", "message": "m [/] :lock:"}],
    )
    text = render(report.print_plan, plan)
    assert "stack st[/]ack" in text and "m [/] :lock:" in text and "k:lock:" in text and "v[b]" in text, text


def test_the_command_line_consoles_print_no_emoji() -> None:
    from mlinfra.console import err, out

    assert out._emoji is False and err._emoji is False
