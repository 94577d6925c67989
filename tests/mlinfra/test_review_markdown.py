"""The review comment without any plan: the size limit, Markdown escaping, and secrets.

Results are built by hand (``StackReview`` and ``review_stack`` on small plan documents),
so each property is checked on exactly the input that exercises it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlinfra.diff import Finding
from mlinfra.review import InputChange, Money, ResourceChange, ReviewResult, StackReview, ViolationRef, review_stack
from mlinfra.review_markdown import GITHUB_COMMENT_LIMIT, MARKER, md, render_markdown, summary_line

BUCKET = "aws:s3/bucket:Bucket"


def _stack(name: str, *, changes: int = 0, risks: int = 0, violations: int = 0, paths: int = 1) -> StackReview:
    return StackReview(
        stack=name,
        counts={"create": 0, "update": changes, "replace": 0, "delete": risks, "same": 10},
        changes=tuple(
            ResourceChange(
                "update",
                "aws:iam/policy:Policy",
                f"team-{i:05d}-data-access",
                f"urn:pulumi:{name}::mlinfra::aws:iam/policy:Policy::team-{i:05d}-data-access",
                tuple(
                    InputChange(f"policy.Statement[{j}].Resource", '"arn:aws:s3:::old/*"', '"arn:aws:s3:::new/*"')
                    for j in range(paths)
                ),
            )
            for i in range(changes)
        ),
        risks=tuple(
            Finding(
                f"urn:pulumi:{name}::mlinfra::{BUCKET}::lake-{i}",
                BUCKET,
                f"lake-{i}",
                "delete",
                f"S3 bucket (its objects) 'lake-{i}' would be deleted: its data is lost.",
                "if it moved or was renamed, add `aliases=[...]` with its old name/parent",
            )
            for i in range(risks)
        ),
        new_violations=tuple(
            ViolationRef("mlinfra-required-tags", "advisory", f"tag missing on {i}", "t", f"r{i}") for i in range(violations)
        ),
        fixed_violations=(),
        head_mandatory=0,
        base=Money(1000.0, 2000.0, 8, 8),
        head=Money(2240.0, 3240.0, 16, 16),
    )


def _result(*stacks: StackReview) -> ReviewResult:
    return ReviewResult(base_ref="origin/main", base_commit="0123456789abcdef" * 2 + "01234567", stacks=stacks)


def test_summary_line_reads_like_the_issue_example() -> None:
    line = summary_line(_stack("prod", changes=3))
    assert line == "prod: +0 ~3 -0 ±0 · policy ok · +$1,240/mo · GPUs +8 · no data at risk", line


def test_a_huge_review_keeps_the_summary_and_every_risk_under_githubs_limit() -> None:
    result = _result(_stack("dev", changes=800, violations=300, paths=8), _stack("prod", changes=800, risks=25, paths=8))
    text = render_markdown(result)
    assert len(text) < GITHUB_COMMENT_LIMIT, len(text)
    assert text.startswith(MARKER)
    for stack in result.stacks:
        assert f"\n- {summary_line(stack)}\n" in text or f"\n- **⚠️ {summary_line(stack)}**\n" in text, summary_line(stack)
    for i in range(25):  # every risk, in full (message and advice)
        assert f"**lake-{i}**. S3 bucket (its objects) 'lake-{i}' would be deleted: its data is lost.<br>What to do:" in text, i
    assert "**Details trimmed** to stay under GitHub's 65,536-character comment limit" in text
    assert "more changed resource(s), trimmed." in text or "Details trimmed (see the note above)." in text
    # Trimming removes detail rows, never the structure: each stack still has its collapsed block.
    assert text.count("<details>") == text.count("</details>") == 2


def test_a_small_review_is_not_trimmed() -> None:
    text = render_markdown(_result(_stack("dev", changes=5, risks=1)))
    assert "trimmed" not in text and text.count("| update | aws:iam/policy:Policy |") == 5, text


def test_thousands_of_risks_are_shortened_and_said_so_but_stay_under_the_limit() -> None:
    text = render_markdown(_result(_stack("prod", risks=2000)))
    assert len(text) < GITHUB_COMMENT_LIMIT, len(text)
    assert "more stateful risk(s) not shown: too many for one comment" in text
    assert "2000 stateful resource(s) at risk" in text


def test_md_escapes_tables_code_and_html() -> None:
    assert md("a|b") == "a\\|b"
    assert md("`rm -rf`") == "\\`rm -rf\\`"
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("two\nlines") == "two lines"


def test_a_hostile_resource_name_stays_inside_its_table_cell() -> None:
    stack = _stack("dev", changes=1)
    evil = "x|y`<script>`**z**"
    change = ResourceChange("create", "aws:s3/bucket:Bucket", evil, "urn")
    stack = StackReview(**{**stack.__dict__, "changes": (change,)})
    text = render_markdown(_result(stack))
    [row] = [line for line in text.splitlines() if line.startswith("| create |")]
    assert row == "| create | aws:s3/bucket:Bucket | x\\|y\\`&lt;script&gt;\\`\\*\\*z\\*\\* |  |", row
    assert "<script>" not in text


def _doc(inputs: dict[str, Any]) -> dict[str, Any]:
    urn = "urn:pulumi:dev::mlinfra::kubernetes:core/v1:Secret::kafka-credentials"
    state = {"type": "kubernetes:core/v1:Secret", "inputs": inputs, "protect": False, "retainOnDelete": False}
    return {"steps": [{"op": "create", "urn": urn, "newState": state}], "outputs": {"region": "us-west-2"}}


def test_secret_values_are_never_reported() -> None:
    # Plan files hold "[secret]" in place of each secret; a changed secret reports its path only.
    base = _doc({"stringData": {"password": "[secret]", "user": "a"}, "metadata": {"name": "kafka"}})
    head = _doc({"stringData": "[secret]", "metadata": {"name": "kafka-2"}})
    stack = review_stack("dev", base, head, base_path=Path("base.json"), head_path=Path("head.json"))
    [change] = stack.changes
    assert change.inputs == (
        InputChange("metadata.name", '"kafka"', '"kafka-2"'),
        InputChange("stringData", None, None, secret=True),
    ), change.inputs
    text = render_markdown(_result(stack))
    assert "stringData: (secret, changed)" in text and '"a"' not in text, text


def test_a_hostile_name_in_a_stateful_risk_is_escaped_too() -> None:
    stack = _stack("prod", risks=1)
    [risk] = stack.risks
    evil = "b|`<img>`"
    stack = StackReview(
        **{**stack.__dict__, "risks": (Finding(risk.urn, BUCKET, evil, "delete", f"'{evil}' lost", "keep `it`"),)}
    )
    text = render_markdown(_result(stack))
    assert "**b\\|\\`&lt;img&gt;\\`**. 'b\\|\\`&lt;img&gt;\\`' lost<br>What to do: keep \\`it\\`" in text, text
    assert "<img>" not in text


def test_md_neutralises_mentions_so_a_pull_request_pings_nobody() -> None:
    assert md("owner @octocat and @org/team") == "owner @\u200boctocat and @\u200borg/team"
    assert "@octocat" not in md("@octocat")
    assert md("plain text") == "plain text"  # near miss: nothing to neutralise
