"""Evaluate the policies/ pack against an offline Plan, as the real CrossGuard analyzer would.

What is mirrored from pulumi_policy's analyzer (``_PolicyAnalyzerServicer``); the config file
handling, like the Pulumi CLI's, is in ``mlinfra/policy_config.py``:

- Enforcement: ``disabled`` skips a policy, ``remediate`` reports as ``mandatory``.
- Props: inputs serialized to the wire shape (secrets in signature dicts, numbers as floats),
  ``deserialize_properties`` (which unwraps secrets) and ``unknown_checking_proxy``. An
  unknown value read by a rule becomes the analyzer's advisory "can't run during preview".
- Resource policies get ``ResourceValidationArgs`` (opts.protect, opts.parent, provider);
  stack policies get ``PolicyResource`` objects with parent, dependencies and property
  dependencies resolved to objects.

Run the real pack with `pulumi preview --policy-pack policies`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from mlinfra.plan import Plan, PlannedResource, Secret
from mlinfra.policy_config import (  # noqa: F401  (re-exported: mlinfra.cli and the tests use them from here)
    CONFIG_DIR,
    POLICIES_DIR,
    REPO_ROOT,
    as_wire_numbers,
    check_config_file,
    environment_config_path,
    load_config,
    pack_policies,
    reconcile,
)
from stacks.errors import display_path

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


@dataclass(frozen=True)
class Violation:
    """One reported violation: which rule, how enforced, against what, and what to do."""

    policy: str
    level: str
    """``mandatory`` or ``advisory`` (``remediate`` reports as mandatory, like the analyzer)."""
    description: str
    message: str
    urn: str = ""
    """Empty for a violation of the stack as a whole."""
    type: str = ""
    name: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.level,
            "description": self.description,
            "message": self.message,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
        }


@dataclass
class PolicyResult:
    """Everything one evaluation found, plus the enforcement level each policy ran at."""

    violations: list[Violation]
    levels: dict[str, str]
    config_source: str
    not_applicable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == EnforcementLevel.MANDATORY.value]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == EnforcementLevel.ADVISORY.value]

    def by_policy(self) -> dict[str, list[Violation]]:
        grouped: dict[str, list[Violation]] = {}
        for v in self.violations:
            grouped.setdefault(v.policy, []).append(v)
        return dict(sorted(grouped.items()))

    def names(self, level: str | None = None) -> set[str]:
        return {v.policy for v in self.violations if level is None or v.level == level}

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config_source,
            "summary": {"mandatory": len(self.mandatory), "advisory": len(self.advisory)},
            "enforcementLevels": dict(sorted(self.levels.items())),
            "violations": [v.to_json() for v in self.violations],
            "notApplicable": [{"policy": p, "reason": r} for p, r in self.not_applicable],
        }


# -- props and resources, shaped like the analyzer's --------------------------------------------
def _to_wire(value: Any) -> Any:
    if isinstance(value, Secret):
        return {_SIG_KEY: _SECRET_SIG, "value": _to_wire(value.value)}
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_wire(v) for v in value]
    return as_wire_numbers(value)


def wrap_props(inputs: Mapping[str, Any], *, wire: dict[str, Any] | None = None) -> Mapping[str, Any]:
    """Plan inputs -> what a rule's ``args.props`` is in the real analyzer.

    Like the analyzer, every call builds fresh objects (``wire`` only skips re-serializing).
    """
    return unknown_checking_proxy(deserialize_properties(wire if wire is not None else _to_wire(dict(inputs))))


def _options(r: PlannedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=r.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=r.parent or None,
    )


def _provider(r: PlannedResource, plan: Plan) -> PolicyProviderResource | None:
    """The provider reference (``urn::id``) as a PolicyProviderResource.

    The offline plan does not record provider inputs; for the default AWS provider the
    region is the stack's (exported as the ``region`` output), which is what the real
    default provider is configured with (``aws:region``).
    """
    if not r.provider:
        if r.type.startswith("aws:") and isinstance(plan.outputs.get("region"), str):
            urn = f"urn:pulumi:{plan.stack}::mlinfra::pulumi:providers:aws::default"
            return PolicyProviderResource("pulumi:providers:aws", wrap_props({"region": plan.outputs["region"]}), urn, "default")
        return None
    urn = r.provider.rsplit("::", 1)[0]
    type_ = urn.split("::")[2] if urn.count("::") >= 3 else ""
    name = urn.rsplit("::", 1)[-1]
    return PolicyProviderResource(type_, wrap_props({}), urn, name)


def stack_resources(plan: Plan) -> list[PolicyResource]:
    """Every planned resource as a PolicyResource with parent/dependencies as objects."""
    by_urn: dict[str, PolicyResource] = {}
    for r in plan.resources:
        by_urn[r.urn] = PolicyResource(r.type, wrap_props(r.inputs), r.urn, r.name, _options(r), _provider(r, plan), None, [], {})
    for r in plan.resources:
        res = by_urn[r.urn]
        res.parent = by_urn.get(r.parent)
        res.dependencies = [by_urn[d] for d in r.dependencies if d in by_urn]
        res.property_dependencies = {k: [by_urn[d] for d in v if d in by_urn] for k, v in r.property_dependencies.items()}
    return list(by_urn.values())


def _run(result: Any) -> None:
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


# -- evaluation -----------------------------------------------------------------------------------
def evaluate(
    plan: Plan,
    config: Mapping[str, Any] | None = None,
    *,
    source: str = "(pack defaults)",
    policies: Sequence[Policy] | None = None,
) -> PolicyResult:
    """Run every resource and stack policy over ``plan`` under ``config`` (a parsed config file)."""
    pols = pack_policies(policies)
    reconciled = reconcile(config or {}, source=source, policies=pols)
    run = _Evaluation(plan)
    levels: dict[str, str] = {}
    for policy in pols:
        level, props = reconciled[policy.name]
        levels[policy.name] = level.value
        if level == EnforcementLevel.DISABLED:
            continue
        run.policy(policy, EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level, props)
    return PolicyResult(violations=run.violations, levels=levels, config_source=source, not_applicable=run.not_applicable)


class _Evaluation:
    """One plan under the pack: what each policy reports, and which did not apply."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.by_urn = {r.urn: r for r in plan.resources}
        self.wire = {r.urn: _to_wire(dict(r.inputs)) for r in plan.resources}
        self.violations: list[Violation] = []
        self.not_applicable: list[tuple[str, str]] = []

    def policy(self, policy: Policy, level: EnforcementLevel, props: Mapping[str, Any]) -> None:
        report = self._reporter(policy, level)
        if isinstance(policy, ResourceValidationPolicy):
            for r in self.plan.resources:
                resource_args = ResourceValidationArgs(
                    r.type,
                    wrap_props(r.inputs, wire=self.wire[r.urn]),
                    r.urn,
                    r.name,
                    _options(r),
                    _provider(r, self.plan),
                    dict(props),
                    {},
                )

                def report_for(message: str, _urn: str | None = None, *, _resource: str = r.urn) -> None:
                    # A resource policy's violations belong to the resource, whatever urn is passed.
                    report(message, _resource)

                self._guarded(policy, resource_args, report_for)
        elif isinstance(policy, StackValidationPolicy):
            stack_args = StackValidationArgs(stack_resources(self.plan), dict(props), {})
            self._guarded(policy, stack_args, report)

    def _reporter(self, policy: Policy, level: EnforcementLevel) -> Callable[..., None]:
        def report(message: str, urn: str | None = None) -> None:
            target = self.by_urn.get(urn or "")
            self.violations.append(
                Violation(
                    policy=policy.name,
                    level=level.value,
                    description=policy.description,
                    message=message or "",
                    urn=(urn or ""),
                    type=target.type if target else "",
                    name=target.name if target else "",
                )
            )

        return report

    def _guarded(self, policy: ResourceValidationPolicy | StackValidationPolicy, args: Any, report: Callable[..., None]) -> None:
        """Run one validation; a policy that reads an unknown value or does not apply is noted, not fatal."""
        try:
            _run(policy.validate(args, report))
        except UnknownValueError as exc:
            self.violations.append(
                Violation(
                    policy=policy.name,
                    level=EnforcementLevel.ADVISORY.value,
                    description=policy.description,
                    message=f"can't run policy '{policy.name}' during preview: {exc.message}",
                )
            )
        except _NotApplicableError as exc:
            self.not_applicable.append((policy.name, exc.reason or ""))


def evaluate_file(plan: Plan, path: Path, *, policies: Sequence[Policy] | None = None) -> PolicyResult:
    """Evaluate with the policy config file at ``path`` (ConfigError if it is bad)."""
    return evaluate(plan, load_config(path), source=display_path(path), policies=policies)
