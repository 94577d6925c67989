"""The mlinfra command line (typer). Exit codes: 0 ok, 1 findings, 2 usage or config error.

Each command's work lives in a domain module that returns a result or raises a typed error
(engine, policy, cost, diff, verify, bootstrap); this file calls it, renders the result with
mlinfra/report.py and maps it to an exit code, so no command ever ends in a traceback on
bad input. The team commands are a sub-app in mlinfra/team.py; both share mlinfra/console.py.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from mlinfra.canary_cli import canary_app
from mlinfra.console import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    fail_config,
    install_interrupt_handler,
    out,
    usage_error,
    write_atomically,
)
from mlinfra.review_cli import review as review_command
from mlinfra.team import team_app
from stacks.errors import ConfigError, Problem

if TYPE_CHECKING:  # types only: the engine loads pulumi, the policy module the policy SDK
    from components.catalog.cost import CostEstimate
    from mlinfra.awaits import Await
    from mlinfra.capacity import CapacityReport
    from mlinfra.plan import Plan
    from mlinfra.policy import PolicyResult
    from mlinfra.schedule import Schedule
    from mlinfra.split import SplitPlans

app = typer.Typer(
    name="mlinfra",
    help="Plan, check and operate the mlinfra ML platform (offline: no cloud account needed for plan).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(team_app, name="team")
app.add_typer(canary_app, name="canary")
app.command(name="review")(review_command)


@app.callback()
def _root() -> None:
    """mlinfra: an ML platform on AWS as code. Plans run offline; nothing here deploys."""


# `mlinfra plan`'s options, one alias each, so the command's signature stays one screen.
StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack to plan: dev, staging, prod, or a custom stack name.")]
StackFileOption = Annotated[
    Path | None, typer.Option("--stack-file", help="Plan this stack file instead of stacks/Pulumi.<stack>.yaml.")
]
TeamsDirOption = Annotated[Path | None, typer.Option("--teams-dir", help="Read team files from DIR instead of stacks/teams.")]
JsonOption = Annotated[
    Path | None,
    typer.Option("--json", help="Write the plan as `pulumi preview --json`-shaped JSON to PATH ('-' for stdout)."),
]
PolicyConfigOption = Annotated[
    Path | None,
    typer.Option("--policy-config", help="Policy pack config to apply instead of policies/config/<environment>.json."),
]
ScheduleOption = Annotated[
    bool,
    typer.Option("--schedule", help="Estimate `pulumi up` of an empty stack: total time and critical path (JSON: 'schedule')."),
]
PartOption = Annotated[
    str | None,
    typer.Option(
        "--part",
        help="Plan one half of the stack split in two: 'platform', or 'tenants' (the per-team stack "
        "<stack>-tenants, its StackReference answered from the platform half's plan).",
    ),
]
ParallelOption = Annotated[
    int | None,
    typer.Option("--parallel", min=1, help="With --schedule: creates at once, as `pulumi up --parallel` (default unbounded)."),
]


@app.command()
def plan(
    stack: StackOption = "dev",
    stack_file: StackFileOption = None,
    teams_dir: TeamsDirOption = None,
    json_path: JsonOption = None,
    policy_config: PolicyConfigOption = None,
    schedule: ScheduleOption = False,
    part: PartOption = None,
    parallel: ParallelOption = None,
) -> None:
    """Run the real program offline under recording mocks, print the plan and check the policy pack.

    Exit 0 ok, 1 if a mandatory policy is violated (advisory violations are printed only),
    2 on a usage or configuration error (every problem is printed as file: field: what is allowed).
    """
    from stacks.errors import display_path
    from stacks.loading import stack_file_path

    _check_plan_options(json_path, teams_dir, part)
    result, policy_result, halves = _plan_and_check(stack, stack_file, teams_dir, part, policy_config, json_path)
    where = {"stack": stack, "stack_file": stack_file, "teams_dir": teams_dir}
    sections = _add_plan_sections(result, policy_result, schedule, parallel, halves, where)
    # A pool too small for what must run on it: Helm releases would time out on Pending pods (exit 2).
    too_small = sections.capacity.problems(display_path(stack_file or stack_file_path(stack)))
    code = EXIT_FINDINGS if policy_result.mandatory else EXIT_OK
    if json_path is not None:
        _write_plan_json(json_path, result, code, too_small)
    _print_plan(result, policy_result, sections, json_path)
    _finish(code, too_small)


@dataclass(frozen=True)
class _PlanSections:
    """What `mlinfra plan` adds to the plan: cost, capacity and, with --schedule, the schedule and its awaits."""

    estimate: CostEstimate
    capacity: CapacityReport
    schedule: Schedule | None = None
    awaits: Mapping[str, Await] | None = None


def _finish(code: int, too_small: list[Problem]) -> NoReturn:
    if too_small:
        raise fail_config(ConfigError(too_small), "the plan would not deploy")
    raise typer.Exit(code)


def _check_plan_options(json_path: Path | None, teams_dir: Path | None, part: str | None) -> None:
    if json_path is not None and json_path.is_dir():
        raise usage_error(f"--json {json_path}: is a directory; give a file path such as {json_path / 'plan.json'}")
    if teams_dir is not None and not teams_dir.is_dir():
        raise usage_error(f"--teams-dir {teams_dir}: not a directory")
    if part is not None and part not in ("platform", "tenants"):
        raise usage_error(f"--part {part}: must be one of ['platform', 'tenants']")


def _plan_and_check(
    stack: str,
    stack_file: Path | None,
    teams_dir: Path | None,
    part: str | None,
    policy_config: Path | None,
    json_path: Path | None,
) -> tuple[Plan, PolicyResult, SplitPlans | None]:
    """The plan, its policy result and (with --part) both halves; bad input (config, policy config,
    program) exits 2."""
    from mlinfra import engine, policy
    from mlinfra.progress import progress, wants_progress

    try:
        if policy_config is not None:
            policy.check_config_file(policy_config)  # a bad override fails before planning
        # On a terminal: resources registered and time elapsed, on stderr (never with --json -).
        halves = None
        with progress(f"planning {stack}", enabled=wants_progress(machine_output=str(json_path) == "-")) as tracker:
            if part is not None:
                from mlinfra import split

                halves = split.plan_split(stack, stack_file=stack_file, teams_dir=teams_dir)
                result = halves.platform if part == "platform" else halves.tenants
            else:
                result = engine.plan_stack(
                    stack, stack_file=stack_file, teams_dir=teams_dir, on_resource=tracker.resource_registered
                )
        config = policy_config or policy.environment_config_path(result.outputs["environment"])
        return result, policy.evaluate_file(result, config), halves
    except ConfigError as exc:
        raise fail_config(exc) from None
    except engine.EngineError as exc:
        raise usage_error(f"the program failed under the offline engine: {exc}") from None


def _add_plan_sections(
    result: Plan,
    policy_result: PolicyResult,
    schedule: bool,
    parallel: int | None,
    halves: SplitPlans | None,
    where: dict[str, Any],
) -> _PlanSections:
    """The policy result, the cost estimate, the capacity per pool and (with --schedule) the
    schedule with what each step waits for, as JSON sections of the plan."""
    from components.catalog import cost
    from mlinfra import capacity

    result.extras["policy"] = policy_result.to_json()
    estimate = cost.estimate_plan(result)
    result.extras["cost"] = estimate.to_json()
    fit = capacity.capacity(result)
    result.extras["capacity"] = fit.to_json()
    if not schedule:
        return _PlanSections(estimate, fit)
    from mlinfra import awaits as awaits_mod
    from mlinfra import schedule as schedule_mod

    up = schedule_mod.schedule_plan(result, parallel)
    waits = awaits_mod.awaits_for_cli(result, halves, **where)
    result.extras["schedule"] = awaits_mod.schedule_json(up.to_json(), waits)
    return _PlanSections(estimate, fit, up, waits)


def _write_plan_json(json_path: Path, result: Plan, code: int, too_small: list[Problem]) -> None:
    """Write the plan JSON; to stdout ('-') it is the only output, so the command ends here."""
    text = result.dumps()
    if str(json_path) == "-":
        sys.stdout.write(text)
        _finish(code, too_small)
    try:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(json_path, text)
    except (FileExistsError, NotADirectoryError):
        raise usage_error(f"--json {json_path}: a parent of this path is a file, not a directory") from None
    except OSError as exc:
        # A read-only or full disk: say so, never a traceback (and never exit 1, which means findings).
        raise usage_error(f"--json {json_path}: cannot write: {exc.strerror or exc}") from None


def _print_plan(result: Plan, policy_result: PolicyResult, sections: _PlanSections, json_path: Path | None) -> None:
    from mlinfra import report

    report.print_plan(out, result)
    report.print_cost(out, sections.estimate)
    report.print_policy(out, policy_result)
    report.print_capacity(out, sections.capacity)
    if sections.schedule is not None:
        report.print_schedule(out, sections.schedule, sections.awaits)
    if json_path is not None:
        out.print(f"\nplan JSON written to {json_path}", markup=False)


@app.command()
def diff(
    head: Annotated[
        Path,
        typer.Option("--head", help="Plan JSON of the change (`mlinfra plan --json`), or a real `pulumi preview --json` output."),
    ],
    base: Annotated[
        Path | None,
        typer.Option("--base", help="Plan JSON of the base branch; omit it when --head is a real `pulumi preview --json`."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {summary, changes, findings} as JSON.")] = False,
) -> None:
    """Show what a change would create, update, replace or delete, and warn when stateful resources would be lost.

    Stateful: S3 buckets, KMS keys, EKS clusters, Glue databases, MSK clusters, CloudWatch log groups, S3 replication configurations. Deleting or replacing one is a finding (renames get `aliases=[...]` advice).

    Exit 0 no finding, 1 findings, 2 an unreadable or malformed file, an offline plan as --head without --base, or plans of different stacks.
    """
    from mlinfra import diff as diff_mod
    from mlinfra import report

    try:
        result = diff_mod.diff_files(base, head)
    except diff_mod.DiffError as exc:
        raise usage_error(str(exc)) from None
    if as_json:
        sys.stdout.write(report.diff_json(result))
    else:
        report.print_diff(out, result)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_OK)


@app.command()
def bootstrap(
    region: Annotated[str, typer.Option("--region", help="AWS region for the state bucket and key, e.g. us-west-2.")],
    bucket: Annotated[str, typer.Option("--bucket", help="Name of the Pulumi state bucket (global S3 naming rules).")],
    kms_alias: Annotated[
        str, typer.Option("--kms-alias", help="Alias of the KMS key for the bucket and the stack secrets provider.")
    ] = "alias/mlinfra-state",
    stack: Annotated[str, typer.Option("--stack", help="Stack name used in the printed `pulumi stack init` command.")] = "dev",
    as_json: Annotated[bool, typer.Option("--json", help="Print the steps and commands as JSON.")] = False,
) -> None:
    """Create (or converge) the Pulumi state bucket and secrets KMS key with boto3; safe to re-run.

    The bucket is versioned, SSE-KMS encrypted with the key (bucket key on), blocks public access, disables ACLs and denies non-TLS requests; the key rotates yearly.

    Each step reports created / updated / already ok, then the `pulumi login` and `pulumi stack init` commands are printed. Exit 2 on any error.
    """
    from mlinfra import bootstrap as bootstrap_mod
    from mlinfra import report
    from mlinfra.aws import AwsError, one_line_errors

    try:
        result = one_line_errors(lambda: bootstrap_mod.run(region, bucket, kms_alias, stack))
    except AwsError as exc:
        raise usage_error(str(exc)) from None
    if as_json:
        sys.stdout.write(report.bootstrap_json(result))
    else:
        report.print_bootstrap(out, result)
    raise typer.Exit(EXIT_OK)


@app.command()
def verify(
    stack_outputs: Annotated[
        Path, typer.Option("--stack-outputs", help="File holding `pulumi stack output --json` of the stack to check.")
    ],
    region: Annotated[str | None, typer.Option("--region", help="Region to check (default: the 'region' stack output).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as a JSON list.")] = False,
) -> None:
    """Check the live account against the stack outputs (read-only boto3 calls).

    The account's S3 Block Public Access (when there are lake buckets). Lake replicas: in another region, encrypted, versioned, fed by their zone. Data-lake buckets: in the expected region, SSE-KMS, versioning, public access block, lifecycle, access logging. EKS cluster: control-plane logging, secrets encryption. GPU node groups: NVIDIA AMI type, nvidia.com/gpu NoSchedule taint.

    Exit 0 all pass, 1 a check failed, 2 bad outputs file, region or credentials.
    """
    from mlinfra import report
    from mlinfra import verify as verify_mod
    from mlinfra.aws import AwsError, one_line_errors

    try:
        result = one_line_errors(lambda: verify_mod.run(stack_outputs, region))
    except AwsError as exc:
        raise usage_error(str(exc)) from None
    if as_json:
        sys.stdout.write(report.verify_json(result))
    else:
        report.print_checks(out, stack_outputs, result)
    raise typer.Exit(EXIT_FINDINGS if result.failed else EXIT_OK)


def main() -> None:
    # `mlinfra plan | head` should end quietly like any Unix tool, not with a BrokenPipeError
    # (and not with exit 1, which means "policy violations").
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    install_interrupt_handler()
    try:
        app(prog_name="mlinfra")
    except Exception:
        # A crash is a bug, not a finding: exit 2 (with the traceback to report), never 1, which
        # scripts read as "policy violations" and may let pass (`plan ... || [ $? -eq 1 ]`).
        import traceback

        traceback.print_exc()
        sys.stderr.write("error: mlinfra crashed (a bug; please report the traceback above)\n")
        sys.exit(EXIT_USAGE)
