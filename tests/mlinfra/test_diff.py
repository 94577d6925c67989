"""`mlinfra diff`: changes between two offline plans (or one real preview) and stateful-loss findings.

The dev (and, for protection, prod) plan is built once per test process; every case derives a
mutated copy of its JSON in memory, as a pull request would change the plan.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlinfra import diff
from mlinfra.cli import app
from mlinfra.engine import Plan

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
BUCKET = "aws:s3/bucket:Bucket"
RAW = f"{BUCKET}::data-lake-raw"
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def dev_doc(dev_plan: Plan) -> Doc:
    return json.loads(dev_plan.dumps())


@pytest.fixture(scope="module")
def prod_doc(prod_plan: Plan) -> Doc:
    return json.loads(prod_plan.dumps())


def step(doc: Doc, urn_suffix: str) -> Doc:
    matches = [s for s in doc["steps"] if s["urn"].endswith(urn_suffix)]
    assert len(matches) == 1, f"expected one step ending in {urn_suffix!r}, found {len(matches)}"
    return matches[0]


def mutated(doc: Doc, change: Callable[[Doc], None]) -> Doc:
    head = copy.deepcopy(doc)
    change(head)
    return head


def write(tmp_path: Path, name: str, doc: Doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run_diff(tmp_path: Path, base: Doc | None, head: Doc, *extra: str) -> Any:
    args = ["diff", "--head", str(write(tmp_path, "head.json", head))]
    if base is not None:
        args += ["--base", str(write(tmp_path, "base.json", base))]
    return runner.invoke(app, [*args, *extra])


def as_json(result: Any) -> Doc:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return json.loads(result.stdout)


def test_identical_plans_have_no_changes(tmp_path: Path, dev_doc: Doc) -> None:
    result = run_diff(tmp_path, dev_doc, dev_doc)
    assert result.exit_code == 0, result.output
    assert "0 to create, 0 to update, 0 to replace, 0 to delete" in result.stdout
    assert "verified offline" in result.stdout
    doc = as_json(run_diff(tmp_path, dev_doc, dev_doc, "--json"))
    assert doc["changes"] == [] and doc["findings"] == []
    assert doc["summary"]["same"] == len(dev_doc["steps"])


def test_tag_change_is_an_update_only(tmp_path: Path, dev_doc: Doc) -> None:
    head = mutated(dev_doc, lambda d: step(d, RAW)["newState"]["inputs"]["tags"].update({"owner": "data-eng"}))
    result = run_diff(tmp_path, dev_doc, head, "--json")
    assert result.exit_code == 0, result.output
    doc = as_json(result)
    assert doc["summary"] | {"same": 0} == {"create": 0, "update": 1, "replace": 0, "delete": 0, "same": 0}
    [change] = doc["changes"]
    assert (change["op"], change["name"], change["keys"]) == ("update", "data-lake-raw", ["tags"]), change
    assert doc["findings"] == []
    table = run_diff(tmp_path, dev_doc, head)
    assert re.search(r"update\s+│\s+aws:s3/bucket:Bucket\s+│\s+data-lake-raw\s+│\s+tags", table.stdout), table.stdout


def _rename_raw_bucket(doc: Doc) -> None:
    s = step(doc, RAW)
    s["urn"] = s["newState"]["urn"] = s["urn"] + "-zone"
    s["newState"]["inputs"]["tags"]["Name"] = "data-lake-raw-zone"


def test_renamed_bucket_is_flagged_with_alias_advice(tmp_path: Path, dev_doc: Doc) -> None:
    head = mutated(dev_doc, _rename_raw_bucket)
    result = run_diff(tmp_path, dev_doc, head)
    assert result.exit_code == 1, result.output
    assert "1 to create, 0 to update, 0 to replace, 1 to delete" in result.stdout
    assert 'aliases=[pulumi.Alias(name="data-lake-raw")]' in result.stdout, result.stdout
    doc = as_json(run_diff(tmp_path, dev_doc, head, "--json"))
    [finding] = doc["findings"]
    assert (finding["op"], finding["type"], finding["name"]) == ("delete", BUCKET, "data-lake-raw"), finding
    assert "looks renamed" in finding["message"] and "data-lake-raw-zone" in finding["message"]
    assert finding["advice"].startswith('add `aliases=[pulumi.Alias(name="data-lake-raw")]`'), finding


def test_unrelated_bucket_swap_is_data_loss_not_a_rename(tmp_path: Path, dev_doc: Doc) -> None:
    def swap(doc: Doc) -> None:
        _rename_raw_bucket(doc)
        step(doc, RAW + "-zone")["newState"]["inputs"].update(bucket="another-bucket", forceDestroy=True)

    [finding] = as_json(run_diff(tmp_path, dev_doc, mutated(dev_doc, swap), "--json"))["findings"]
    assert finding["name"] == "data-lake-raw" and "data is lost" in finding["message"], finding


def test_changing_the_bucket_name_is_a_replacement(tmp_path: Path, dev_doc: Doc) -> None:
    head = mutated(dev_doc, lambda d: step(d, RAW)["newState"]["inputs"].update(bucket="mlinfra-dev-raw-renamed"))
    result = run_diff(tmp_path, dev_doc, head, "--json")
    assert result.exit_code == 1, result.output
    doc = as_json(result)
    assert doc["summary"]["replace"] == 1 and doc["summary"]["update"] == 0
    [finding] = doc["findings"]
    assert (finding["op"], finding["name"]) == ("replace", "data-lake-raw"), finding
    assert "changing `bucket` forces a new resource" in finding["message"], finding
    assert "bucket (forces replacement)" in run_diff(tmp_path, dev_doc, head).stdout


def test_nested_replacement_property_is_told_apart_from_an_update(tmp_path: Path, dev_doc: Doc) -> None:
    eks = "aws:eks/cluster:Cluster::cluster-eks"
    ip6 = mutated(dev_doc, lambda d: step(d, eks)["newState"]["inputs"]["kubernetesNetworkConfig"].update(ipFamily="ipv6"))
    logs = mutated(dev_doc, lambda d: step(d, eks)["newState"]["inputs"].update(enabledClusterLogTypes=["api"]))
    [replaced] = as_json(run_diff(tmp_path, dev_doc, ip6, "--json"))["changes"]
    assert (replaced["op"], replaced["replace_keys"]) == ("replace", ["kubernetesNetworkConfig.ipFamily"]), replaced
    result = run_diff(tmp_path, dev_doc, logs, "--json")
    assert result.exit_code == 0 and as_json(result)["changes"][0]["op"] == "update", result.output


def test_deleting_the_cluster_is_a_finding(tmp_path: Path, dev_doc: Doc) -> None:
    eks = "aws:eks/cluster:Cluster::cluster-eks"
    head = mutated(dev_doc, lambda d: d["steps"].remove(step(d, eks)))
    result = run_diff(tmp_path, dev_doc, head)
    assert result.exit_code == 1, result.output
    assert "0 to create, 0 to update, 0 to replace, 1 to delete" in result.stdout
    [finding] = as_json(run_diff(tmp_path, dev_doc, head, "--json"))["findings"]
    assert (finding["op"], finding["type"], finding["name"]) == ("delete", "aws:eks/cluster:Cluster", "cluster-eks")
    assert "data is lost" in finding["message"], finding


def test_removing_a_protected_prod_kms_key_says_the_engine_will_refuse(tmp_path: Path, prod_doc: Doc) -> None:
    key = "aws:kms/key:Key::data-lake-key"
    assert step(prod_doc, key)["newState"]["protect"], "prod must protect the data-lake KMS key"
    head = mutated(prod_doc, lambda d: d["steps"].remove(step(d, key)))
    result = run_diff(tmp_path, prod_doc, head, "--json")
    assert result.exit_code == 1, result.output
    [finding] = as_json(result)["findings"]
    assert finding["name"] == "data-lake-key" and "real engine will refuse" in finding["message"], finding


def test_real_preview_replace_of_a_bucket_is_a_finding(tmp_path: Path, dev_doc: Doc) -> None:
    """A `pulumi preview --json` as the engine prints it: one replacement spans three steps."""
    raw = step(dev_doc, RAW)["newState"]
    vpc = step(dev_doc, "aws:ec2/vpc:Vpc::network-vpc")["newState"]
    old_raw = {**raw, "inputs": {**raw["inputs"], "bucket": "old-name"}}
    preview = {
        "steps": [
            {"op": "same", "urn": vpc["urn"], "oldState": vpc, "newState": vpc},
            {
                "op": "create-replacement",
                "urn": raw["urn"],
                "oldState": old_raw,
                "newState": raw,
                "replaceReasons": ["bucket"],
                "diffReasons": ["bucket"],
            },
            {
                "op": "replace",
                "urn": raw["urn"],
                "oldState": old_raw,
                "newState": raw,
                "replaceReasons": ["bucket"],
                "diffReasons": ["bucket", "tags"],
            },
            {"op": "delete-replaced", "urn": raw["urn"], "oldState": old_raw},
            {"op": "update", "urn": vpc["urn"].replace("network-vpc", "network-vpc2"), "diffReasons": ["tags"]},
        ],
        "changeSummary": {"replace": 1, "same": 1, "update": 1},
    }
    result = run_diff(tmp_path, None, preview, "--json")
    assert result.exit_code == 1, result.output
    doc = as_json(result)
    assert doc["summary"] == {"create": 0, "update": 1, "replace": 1, "delete": 0, "same": 1}, doc["summary"]
    [finding] = doc["findings"]
    assert (finding["op"], finding["type"], finding["name"]) == ("replace", BUCKET, "data-lake-raw"), finding
    assert "`bucket`" in finding["message"]
    replaced = next(c for c in doc["changes"] if c["op"] == "replace")
    assert replaced["keys"] == ["bucket", "tags"] and replaced["replace_keys"] == ["bucket"], replaced


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"changeSummary": {}}', "expected an object with a 'steps' list"),
        ('{"steps": [{"op": "create"}]}', "steps[0] must be an object with string 'op' and 'urn'"),
        ('{"steps": [{"op": "create", "urn": "urn:pulumi:dev::mlinfra::aws:s3/bucket:Bucket::b"}]}', "no newState"),
        ('{"steps": [{"op": "explode", "urn": "urn:pulumi:dev::mlinfra::aws:s3/bucket:Bucket::b"}]}', "unknown op 'explode'"),
    ],
)
def test_malformed_file_exits_2_naming_it(tmp_path: Path, dev_doc: Doc, content: str, message: str) -> None:
    bad = tmp_path / "broken-plan.json"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["diff", "--base", str(bad), "--head", str(write(tmp_path, "head.json", dev_doc))])
    assert result.exit_code == 2, result.output
    assert str(bad) in result.stderr and message in result.stderr, result.stderr
    assert result.stdout == ""


def test_cli_end_to_end_as_a_user_runs_it(tmp_path: Path, dev_doc: Doc) -> None:
    base, head = write(tmp_path, "base.json", dev_doc), write(tmp_path, "head.json", mutated(dev_doc, _rename_raw_bucket))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "mlinfra", "diff", *args]
        return subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)

    found = run("--base", str(base), "--head", str(head), "--json")
    assert found.returncode == 1, found.stderr
    assert [f["name"] for f in json.loads(found.stdout)["findings"]] == ["data-lake-raw"]
    missing = run("--base", str(tmp_path / "nope.json"), "--head", str(head))
    assert missing.returncode == 2 and "nope.json: no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_unprotecting_a_prod_bucket_is_a_finding(tmp_path: Path, prod_doc: Doc) -> None:
    def unprotect(doc: Doc) -> None:
        state = step(doc, RAW)["newState"]
        state["protect"] = state["retainOnDelete"] = False

    result = run_diff(tmp_path, prod_doc, mutated(prod_doc, unprotect), "--json")
    assert result.exit_code == 1, result.output
    [finding] = as_json(result)["findings"]
    assert finding["name"] == "data-lake-raw" and "would lose `protect` and `retainOnDelete`" in finding["message"], finding


def test_protecting_a_bucket_is_not_a_finding(tmp_path: Path, dev_doc: Doc) -> None:
    result = run_diff(tmp_path, dev_doc, mutated(dev_doc, lambda d: step(d, RAW)["newState"].update(protect=True)), "--json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["findings"] == []


def test_offline_plan_as_head_alone_is_refused_naming_it(tmp_path: Path, dev_doc: Doc) -> None:
    """`--head plan.json` without `--base` must not be read as a real preview ("183 to create", exit 0)."""
    assert dev_doc["mlinfra"] == {"kind": "offline-plan", "stack": "dev"}
    plan = write(tmp_path, "plan.json", dev_doc)
    result = runner.invoke(app, ["diff", "--head", str(plan)])
    assert result.exit_code == 2, result.output
    assert str(plan) in result.stderr and "offline plan" in result.stderr, result.stderr
    assert "--base <plan of the base branch>" in result.stderr, result.stderr
    assert result.stdout == "" and "to create" not in result.output
    assert runner.invoke(app, ["diff", "--head", str(plan), "--json"]).exit_code == 2


def test_real_preview_without_marker_is_still_read_alone(tmp_path: Path, dev_doc: Doc) -> None:
    raw = step(dev_doc, RAW)["newState"]
    result = run_diff(tmp_path, None, {"steps": [{"op": "same", "urn": raw["urn"], "oldState": raw, "newState": raw}]}, "--json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["summary"]["same"] == 1


def test_plans_of_different_stacks_are_refused(tmp_path: Path, dev_doc: Doc, prod_doc: Doc) -> None:
    assert prod_doc["mlinfra"]["stack"] == "prod"
    result = run_diff(tmp_path, dev_doc, prod_doc)
    assert result.exit_code == 2, result.output
    assert "'dev'" in result.stderr and "'prod'" in result.stderr and "same stack" in result.stderr, result.stderr
    assert str(tmp_path / "base.json") in result.stderr and str(tmp_path / "head.json") in result.stderr
    # Plans written before the marker existed are still compared.
    unmarked = {k: v for k, v in dev_doc.items() if k != "mlinfra"}
    assert run_diff(tmp_path, unmarked, dev_doc).exit_code == 0
    # ...but never against another stack: without the marker the URNs name the stack.
    refused = run_diff(tmp_path, unmarked, prod_doc)
    assert refused.exit_code == 2 and "'dev'" in refused.stderr and "same stack" in refused.stderr, refused.stderr


def test_summary_words_findings_by_kind(tmp_path: Path, prod_doc: Doc) -> None:
    """A protection loss deletes nothing yet: the summary must not call it "lost"."""
    key = "aws:kms/key:Key::data-lake-key"

    def change(doc: Doc) -> None:
        _rename_raw_bucket(doc)
        doc["steps"].remove(step(doc, key))
        state = step(doc, "aws:eks/cluster:Cluster::cluster-eks")["newState"]
        state["protect"] = False

    head = mutated(prod_doc, change)
    result = run_diff(tmp_path, prod_doc, head)
    assert result.exit_code == 1, result.output
    text = " ".join(result.stdout.split())
    assert "3 finding(s) about stateful resources: 1 deleted or replaced, 1 renamed, 1 losing protection" in text, text
    assert "would be lost" not in text
    doc = as_json(run_diff(tmp_path, prod_doc, head, "--json"))
    assert doc["finding_counts"] == {"loss": 1, "rename": 1, "protection": 1}, doc["finding_counts"]
    assert {f["name"]: f["kind"] for f in doc["findings"]} == {
        "data-lake-raw": "rename",
        "data-lake-key": "loss",
        "cluster-eks": "protection",
    }
    assert set(doc) == {"summary", "finding_counts", "changes", "findings"}
    only_protection = mutated(prod_doc, lambda d: step(d, RAW)["newState"].update(protect=False))
    line = " ".join(run_diff(tmp_path, prod_doc, only_protection).stdout.split())
    assert "1 finding(s) about stateful resources: 1 losing protection" in line, line


def test_readme_review_snippet_cleans_up_its_worktree() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:diff -->")[1].split("<!-- /section:diff -->")[0]
    lines = [line.split("#")[0].strip() for line in section.split("```bash")[1].split("```")[0].splitlines()]
    add = lines.index("git worktree add /tmp/base origin/main")
    remove = lines.index("git worktree remove --force /tmp/base")
    uses = [i for i, line in enumerate(lines) if "/tmp/base &&" in line]
    assert uses and add < min(uses) and max(uses) < remove, lines


def test_diff_files_returns_changes_and_findings_without_a_console(tmp_path: Path, dev_doc: Doc) -> None:
    """The domain function alone: a result object to inspect, nothing printed, no exit code."""
    base = write(tmp_path, "base.json", dev_doc)
    head = write(tmp_path, "head.json", mutated(dev_doc, _rename_raw_bucket))
    result = diff.diff_files(base, head)
    # Every resource is in ``changes`` (sorted by URN); the JSON form leaves out the unchanged ones.
    assert [c.urn for c in result.changes] == sorted(c.urn for c in result.changes)
    assert result.summary()["same"] == len(dev_doc["steps"]) - 1
    changed = [(c["op"], c["name"]) for c in result.to_json()["changes"]]
    assert changed == [("delete", "data-lake-raw"), ("create", "data-lake-raw-zone")]
    [finding] = result.findings
    assert (finding.kind, finding.op, finding.type, finding.urn) == ("rename", "delete", BUCKET, step(dev_doc, RAW)["urn"])
    assert result.finding_counts() == {"loss": 0, "rename": 1, "protection": 0}


def test_diff_files_raises_a_diff_error_naming_the_file(tmp_path: Path, dev_doc: Doc) -> None:
    plan = write(tmp_path, "plan.json", dev_doc)
    with pytest.raises(diff.DiffError, match=re.escape(f"{plan}: this is an offline plan")):
        diff.diff_files(None, plan)
    with pytest.raises(diff.DiffError, match=re.escape(f"{tmp_path / 'missing.json'}: no such file")):
        diff.diff_files(plan, tmp_path / "missing.json")
