"""The Jenkinsfile: parse-level checks (there is no Jenkins, nor a declarative linter, offline).

The Groovy grammar (tree-sitter-groovy) rejects syntax errors; the properties below follow the
syntax tree: which stage a step is in, which ``withCredentials`` and ``lock`` wrap it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ci.groovy import Call, calls, named, parse, syntax_errors
from tests.ci.pipelines import JENKINSFILE, ROOT, readme_section, review_command_lines, stacks

CREDENTIAL_VARIABLES = ("PULUMI_BACKEND_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@pytest.fixture(scope="module")
def all_calls() -> list[Call]:
    tree = parse(JENKINSFILE)
    assert not syntax_errors(tree), syntax_errors(tree)
    return calls(tree)


def top_stages(all_calls: list[Call]) -> dict[str, Call]:
    return {c.strings()[0]: c for c in named(all_calls, "stage") if not c.within("stage")}


def inside(all_calls: list[Call], stage: Call, name: str) -> list[Call]:
    return [c for c in all_calls if c.name == name and stage in c.outer]


def script(sh: Call) -> str:
    [text] = sh.strings()
    return text


def shell_commands(sh: Call) -> list[str]:
    """The shell lines of an ``sh`` step, joined where a line ends in a backslash."""
    return [
        line.strip() for line in script(sh).replace("\\\n", " ").splitlines() if line.strip() and not line.strip().startswith("#")
    ]


def test_the_jenkinsfile_parses(all_calls: list[Call]) -> None:
    assert all_calls[0].name == "pipeline" and not all_calls[0].outer, "a declarative pipeline { ... } at the top"


@pytest.mark.parametrize(
    "break_it",
    [
        lambda s: s.replace("stage('Up prod') {", "stage('Up prod' {"),
        lambda s: s.replace("sh 'bash .ci/run'", "sh 'bash .ci/run"),
        lambda s: s.rstrip()[:-1],
    ],
    ids=["unclosed-parenthesis", "unterminated-string", "missing-brace"],
)
def test_a_broken_jenkinsfile_is_rejected(tmp_path: Path, break_it: Callable[[str], str]) -> None:
    broken = tmp_path / "Jenkinsfile"
    broken.write_text(break_it(JENKINSFILE.read_text(encoding="utf-8")), encoding="utf-8")
    assert syntax_errors(parse(broken)), "the grammar accepted a broken Jenkinsfile"


def test_the_stages_are_those_of_the_github_workflows_in_order(all_calls: list[Call]) -> None:
    expected = ["Tests", "Offline review", "Preview"] + [f"Up {s}" for s in ("dev", "staging", "prod")]
    assert list(top_stages(all_calls)) == expected
    assert sorted(f"Up {s}" for s in stacks()) == sorted(expected[3:]), "an up stage per stack"
    [tests] = inside(all_calls, top_stages(all_calls)["Tests"], "sh")
    assert script(tests) == "bash .ci/run"


def test_builds_never_run_concurrently(all_calls: list[Call]) -> None:
    [options] = [c for c in named(all_calls, "options") if not c.within("stage")]
    assert any(c.name == "disableConcurrentBuilds" and options in c.outer for c in all_calls)


def test_the_offline_review_runs_on_change_requests_and_is_archived(all_calls: list[Call]) -> None:
    stage = top_stages(all_calls)["Offline review"]
    assert inside(all_calls, stage, "changeRequest"), "the review runs on change requests only"
    [sh] = inside(all_calls, stage, "sh")
    [command] = review_command_lines(script(sh))
    documented = [c.replace("${BASE_REF}", "${CHANGE_TARGET}") for c in review_command_lines(readme_section("ci-pipelines"))]
    assert command in documented, f"{command}\nvs the README's\n{documented}"
    [archive] = inside(all_calls, stage, "archiveArtifacts")
    assert "artifacts: 'review.md'" in archive.text and archive.within("always"), archive.text


def test_preview_covers_every_stack_with_the_policy_pack(all_calls: list[Call]) -> None:
    stage = top_stages(all_calls)["Preview"]
    [values] = inside(all_calls, stage, "values")
    assert sorted(values.strings()) == sorted(stacks())
    [sh] = inside(all_calls, stage, "sh")
    [preview] = [c for c in shell_commands(sh) if c.startswith("pulumi preview")]
    assert (
        preview
        == 'pulumi preview --stack "$STACK" --diff --policy-pack policies --policy-pack-config "policies/config/$STACK.json"'
    )
    for stack, environment in stacks().items():
        assert stack == environment and (ROOT / f"policies/config/{environment}.json").is_file(), stack


def test_every_pulumi_up_runs_the_policy_pack_of_its_stack(all_calls: list[Call]) -> None:
    ups = {}
    for sh in named(all_calls, "sh"):
        for command in shell_commands(sh):
            if command.startswith("pulumi up"):
                [stack] = re.findall(r"--stack (\S+)", command)
                assert f"--policy-pack policies --policy-pack-config policies/config/{stacks()[stack]}.json" in command, command
                assert sh.within("stage")[-1].strings() == [f"Up {stack}"], f"line {sh.line}: {command}"
                ups[stack] = sh
    assert sorted(ups) == sorted(stacks())


def test_staging_and_prod_wait_for_an_approver_and_every_up_holds_its_stacks_lock(all_calls: list[Call]) -> None:
    stages = top_stages(all_calls)
    names = list(stages)
    for stack in stacks():
        stage = stages[f"Up {stack}"]
        when = inside(all_calls, stage, "when")
        assert when and "branch 'main'" in when[0].text, f"Up {stack} runs on main only"
        [sh] = inside(all_calls, stage, "sh")
        [lock] = sh.within("lock")
        assert f"resource: 'mlinfra-stack-{stack}'" in lock.text.split("{")[0], lock.text.split("{")[0]
        [creds] = sh.within("withCredentials")
        assert f"credentialsId: 'mlinfra-aws-{stack}'" in creds.text, f"Up {stack}: the deploy role of {stack}"
        inputs = inside(all_calls, stage, "input")
        if stack == "dev":
            assert not inputs, "dev deploys without waiting"
            continue
        [gate] = inputs
        [submitter] = inside(all_calls, gate, "submitter")
        assert submitter.strings() == [f"mlinfra-{stack}-approvers"], submitter.text
        assert "beforeInput true" in when[0].text, f"Up {stack}: the input is asked only on main"
        assert gate.node.start_byte < sh.node.start_byte
    assert names.index("Up dev") < names.index("Up staging") < names.index("Up prod")


def test_credentials_come_only_through_withcredentials_and_are_never_printed(all_calls: list[Call]) -> None:
    assert not list(named(all_calls, "credentials")), "credentials('id') in environment {}: use withCredentials"
    bound = list(named(all_calls, "withCredentials"))
    assert bound
    for sh in named(all_calls, "sh"):
        text = script(sh)
        uses_credentials = any(v in text for v in CREDENTIAL_VARIABLES) or "pulumi " in text
        if uses_credentials:
            assert sh.within("withCredentials"), f"line {sh.line}: a step that needs credentials outside withCredentials"
        if sh.within("withCredentials"):
            assert shell_commands(sh)[0] == "set +x", f"line {sh.line}: Jenkins runs sh with -x: start with set +x"
            assert not sh.is_double_quoted, f'line {sh.line}: a Groovy "..." string interpolates secrets into the log'
            assert "set -x" not in text and "printenv" not in text, f"line {sh.line}"
        for command in shell_commands(sh):
            if command.startswith(("echo", "printf")):
                assert not any(v in command for v in CREDENTIAL_VARIABLES), f"line {sh.line}: {command}"
    for creds in bound:
        ids = re.findall(r"credentialsId: '([^']+)'", creds.text.split("{")[0] if "{" in creds.text else creds.text)
        assert ids, creds.text[:120]


def test_every_credential_id_is_documented(all_calls: list[Call]) -> None:
    section = readme_section("ci-pipelines")
    ids = {i for c in named(all_calls, "withCredentials") for i in re.findall(r"credentialsId: '([^']+)'", c.text)}
    assert ids == {"mlinfra-aws-preview", "mlinfra-pulumi-backend-url"} | {f"mlinfra-aws-{s}" for s in stacks()}
    assert all(f"`{i}`" in section for i in ids - {f"mlinfra-aws-{s}" for s in stacks()}), sorted(ids)
    assert "`mlinfra-aws-<stack>`" in section
