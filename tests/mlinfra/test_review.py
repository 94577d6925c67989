"""`mlinfra review` against a temporary git repository with one crafted change (stack dev).

The base commit carries a policy violation (a GPU node-group size cap of 1); the change on top
adds a team, grows the GPU pool, renames the raw bucket in the component code without an alias,
deletes a Kafka topic from a team file, fixes the base's violation and introduces another
(m6i.large taken off the instance-type allowlist). The review runs once per module (two
offline plans in parallel processes, in the copy's base worktree and working tree) and every
test reads its result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.progress import Tracker
from mlinfra.review import ReviewResult
from mlinfra.review_markdown import MARKER, render_markdown
from mlinfra.review_run import review
from tests._golden import assert_golden_text
from tests.mlinfra.review_repo import commit, copy_project, edit, mask_commit, team_file, worktrees

BUCKET, TOPIC, NODE_GROUP = "aws:s3/bucket:Bucket", "kubernetes:kafka.strimzi.io/v1:KafkaTopic", "aws:eks/nodeGroup:NodeGroup"
GPU_POOL = """  mlinfra:gpu_node_groups:
    gpu:
      instance_types: [g5.xlarge]
      capacity_type: SPOT
      max_size: 4
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = copy_project(tmp_path_factory.mktemp("review") / "repo")
    cap = '"maxGpuNodeGroupSize": 4'
    edit(repo, "policies/config/dev.json", cap, '"maxGpuNodeGroupSize": 1')
    commit(repo, "base: dev GPU node groups capped at 1 node (the 0..2 pool violates it)")
    # The change under review.
    (repo / "stacks/teams/fraud.yaml").write_text(team_file("fraud", gpu=1), encoding="utf-8")
    (repo / "stacks/Pulumi.dev.yaml").write_text((repo / "stacks/Pulumi.dev.yaml").read_text() + GPU_POOL)
    edit(
        repo,
        "components/data_lake/_buckets.py",
        "aws.s3.Bucket(\n        name,",
        'aws.s3.Bucket(\n        f"{name}-zone" if name.endswith("-raw") else name,',
    )
    edit(repo, "stacks/teams/vision.yaml", "    image-events: {partitions: 6, retention_hours: 168}\n", "")
    edit(repo, "stacks/teams/vision.yaml", "  topics:\n", "  topics: {}\n")
    edit(repo, "policies/config/dev.json", '"maxGpuNodeGroupSize": 1', cap)
    edit(repo, "policies/config/dev.json", '["m6i.large", "m6i.xlarge"', '["m6i.xlarge"')
    commit(repo, "onboard fraud, grow the dev GPU pool, rename the raw bucket, drop vision.image-events")
    return repo


TRACKED = Tracker("review")  # what a terminal's progress display hears (mlinfra/progress.py)


@pytest.fixture(scope="module")
def result(repo: Path) -> ReviewResult:
    return review(repo, "HEAD~1", ["dev"], tracker=TRACKED)


def test_progress_hears_of_each_plan_and_its_resources(result: ReviewResult) -> None:
    [dev] = result.stacks
    assert sorted(TRACKED.stacks) == ["dev (base)", "dev (head)"]
    # Every resource of both plans was counted: the head's are the creates, updates and sames.
    assert TRACKED.resources >= sum(dev.counts.values()) > 0


def test_counts_and_the_changed_input_paths_with_values(result: ReviewResult) -> None:
    [dev] = result.stacks
    assert dev.stack == "dev" and result.base_ref == "HEAD~1" and len(result.base_commit) == 40
    assert dev.counts["create"] >= 20 and dev.counts["delete"] >= 2 and dev.counts["replace"] == 0, dev.counts
    pool = next(c for c in dev.changes if c.type == NODE_GROUP and c.name == "gpu-gpu")
    assert pool.op == "update", pool
    by_path = {i.path: (i.old, i.new) for i in pool.inputs}
    assert by_path["scalingConfig.maxSize"] == ("2", "4"), by_path
    # Every create of the team is listed; creates carry no input paths.
    created = {c.name for c in dev.changes if c.op == "create"}
    assert {"team-fraud", "team-fraud-namespace", "team-fraud-role"} <= created, created
    assert all(not c.inputs for c in dev.changes if c.op in ("create", "delete"))
    assert sum(c.op == "create" for c in dev.changes) == dev.counts["create"]


def test_stateful_risks_name_the_rename_and_the_deleted_topic(result: ReviewResult) -> None:
    [dev] = result.stacks
    risks = {(f.type, f.name): f for f in dev.risks}
    rename = risks[(BUCKET, "data-lake-raw")]
    assert rename.kind == "rename" and rename.op == "delete", rename
    assert "'data-lake-raw-zone' created in its place" in rename.message, rename.message
    assert 'aliases=[pulumi.Alias(name="data-lake-raw")]' in rename.advice, rename.advice
    topic = risks[(TOPIC, "kafka-topic-vision.image-events")]
    assert topic.kind == "loss" and "its messages" in topic.message, topic
    assert set(risks) == {(BUCKET, "data-lake-raw"), (TOPIC, "kafka-topic-vision.image-events")}, sorted(risks)


def test_policy_new_and_fixed_violations(result: ReviewResult) -> None:
    [dev] = result.stacks
    new = {(v.policy, v.name, v.level) for v in dev.new_violations}
    fixed = {(v.policy, v.name, v.level) for v in dev.fixed_violations}
    assert ("aws-eks-node-group-instance-type-allowlist", "cluster-system", "mandatory") in new, new
    assert fixed == {("aws-eks-node-group-max-size-cap", "gpu-gpu", "mandatory")}, fixed
    assert dev.new_mandatory


def test_cost_and_gpu_capacity_deltas(result: ReviewResult) -> None:
    [dev] = result.stacks
    # The pool grew from 0..2 to 0..4 g5.xlarge (1 GPU each): two more GPUs and two more nodes at maximum.
    assert (dev.base.gpus_max, dev.head.gpus_max) == (2, 4), (dev.base, dev.head)
    assert dev.head.monthly_max > dev.base.monthly_max and dev.head.monthly_min == dev.base.monthly_min, (dev.base, dev.head)


def test_exit_code_blocks_on_risk_and_on_a_new_mandatory_violation(result: ReviewResult) -> None:
    assert result.exit_code() == 1
    # --allow-stateful does not let a new mandatory violation through...
    assert result.exit_code(allow_stateful=True) == 1
    # ...and without it, a stateful risk alone blocks.
    [dev] = result.stacks
    only_risk = replace(result, stacks=(replace(dev, new_violations=()),))
    assert only_risk.exit_code() == 1 and only_risk.exit_code(allow_stateful=True) == 0
    clean = replace(result, stacks=(replace(dev, new_violations=(), risks=()),))
    assert clean.exit_code() == 0


def test_markdown_comment_matches_the_golden_file(result: ReviewResult) -> None:
    text = render_markdown(result)
    assert text.startswith(MARKER + "\n"), text[:80]
    summary = text.split("\n- ", 1)[1].split("\n", 1)[0]
    assert (
        summary.startswith("**⚠️ dev: +") and "· policy: " in summary and "· GPUs +2 · 2 stateful resource(s) at risk**" in summary
    ), summary
    # The risks come before the collapsed details, outside them.
    assert text.index("STATEFUL RISK in dev") < text.index("<details>"), text
    assert_golden_text("review/crafted-dev.md", mask_commit(text))


def test_json_is_the_whole_result(result: ReviewResult) -> None:
    doc = json.loads(json.dumps(result.to_json()))
    [dev] = doc["stacks"]
    assert {r["name"] for r in dev["statefulRisks"]} == {"data-lake-raw", "kafka-topic-vision.image-events"}
    assert dev["gpus"] == {"base": 2, "head": 4, "delta": 2}
    assert dev["counts"] == result.stacks[0].counts


def test_no_worktree_is_left_after_a_review(repo: Path, result: ReviewResult) -> None:
    assert worktrees(repo) == [f"worktree {repo}"], worktrees(repo)


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch, result: ReviewResult) -> Iterator[list[tuple[object, ...]]]:
    """The command with the review above in place of new plans: its formats, --out and exit codes."""
    calls: list[tuple[object, ...]] = []

    def fake(cwd: Path, base_ref: str, stacks: list[str], **kwargs: object) -> ReviewResult:
        tracker = kwargs.pop("tracker")
        assert isinstance(tracker, Tracker), tracker  # progress is wired (displayed only on a terminal)
        calls.append((base_ref, tuple(stacks), kwargs))
        return result

    monkeypatch.setattr("mlinfra.review_run.review", fake)
    yield calls


@pytest.mark.parametrize("extra", [(), ("--allow-stateful",)])
def test_cli_writes_the_comment_and_exits_1(
    stubbed: list[tuple[object, ...]], result: ReviewResult, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    out = tmp_path / "review.md"
    args = [
        "review",
        "--base-ref",
        "origin/main",
        "--stacks",
        "dev,staging,prod",
        "--format",
        "markdown",
        "--out",
        str(out),
        *extra,
    ]
    done = CliRunner().invoke(app, args)
    # A new mandatory violation blocks even with --allow-stateful.
    assert done.exit_code == 1, done.output
    assert stubbed == [("origin/main", ("dev", "staging", "prod"), {"stack_file": None, "teams_dir": None})]
    assert out.read_text(encoding="utf-8") == render_markdown(result)


def test_cli_json_and_table_formats(stubbed: list[tuple[object, ...]], result: ReviewResult) -> None:
    done = CliRunner().invoke(app, ["review", "--base-ref", "main", "--stacks", "dev", "--format", "json"])
    assert done.exit_code == 1 and json.loads(done.stdout) == json.loads(json.dumps(result.to_json())), done.output
    done = CliRunner().invoke(app, ["review", "--base-ref", "main", "--stacks", "dev"])
    lines = done.stdout.splitlines()
    assert lines[1].startswith("dev: +") and "2 stateful resource(s) at risk" in lines[1], lines[:3]
    assert "STATEFUL RISK delete aws:s3/bucket:Bucket data-lake-raw" in done.stdout, done.stdout
