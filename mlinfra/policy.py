"""Evaluate the policies/ pack against an offline Plan, as the real CrossGuard analyzer would.

What is mirrored from the Pulumi CLI and pulumi_policy's analyzer (``_PolicyAnalyzerServicer``):

- Policy config: the ``--policy-pack-config`` file format (``{"all": level, "<policy>": level |
  {"enforcementLevel": level, ...properties}}``), schema ``default`` values filled in first,
  then ``all``, then per-policy values (the CLI's ``ReconcilePolicyPackConfig``), and each
  policy's properties validated against ``{"type": "object", "properties", "required"}``.
  Numbers reach rules as floats (the config crosses gRPC as a protobuf Struct).
- Enforcement: ``disabled`` skips a policy, ``remediate`` reports as ``mandatory``.
- Props: inputs serialized to the wire shape (secrets in signature dicts, numbers as floats),
  ``deserialize_properties`` (which unwraps secrets) and ``unknown_checking_proxy``. An
  unknown value read by a rule becomes the analyzer's advisory "can't run during preview".
- Resource policies get ``ResourceValidationArgs`` (opts.protect, opts.parent, provider);
  stack policies get ``PolicyResource`` objects with parent, dependencies and property
  dependencies resolved to objects.

Stricter than the CLI, on purpose: an unknown policy name or an unknown config property is
an error here (the CLI silently ignores both, so a typo would disable nothing and enforce
nothing). Run the real pack with `pulumi preview --policy-pack policies`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any

import jsonschema
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

from mlinfra.engine import Plan, PlannedResource, Secret
from stacks.errors import ConfigError, Problem

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICIES_DIR = REPO_ROOT / "policies"
CONFIG_DIR = POLICIES_DIR / "config"

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
LEVELS = tuple(level.value for level in EnforcementLevel)


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


# -- policy config ------------------------------------------------------------------------------
def environment_config_path(environment: str) -> Path:
    return CONFIG_DIR / f"{environment}.json"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _policies(policies: Sequence[Policy] | None) -> Sequence[Policy]:
    if policies is not None:
        return policies
    from policies.pack import POLICIES

    return POLICIES


def load_config(path: Path) -> dict[str, Any]:
    """Read a ``--policy-pack-config`` file; ConfigError names the file and the key."""
    source = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = sorted(p.name for p in CONFIG_DIR.glob("*.json"))
        raise ConfigError([Problem(source, "-", f"policy config file not found (shipped: {', '.join(known)})")]) from None
    except OSError as exc:
        raise ConfigError([Problem(source, "-", f"cannot read: {exc.strerror}")]) from None
    if not text.strip():
        return {}  # the CLI accepts an empty file as "no config"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(source, f"line {exc.lineno}", f"malformed JSON: {exc.msg}")]) from None
    if not isinstance(doc, dict):
        raise ConfigError([Problem(source, "-", 'a policy config is a JSON object: {"<policy-name>": ..., "all": "..."}')])
    return doc


def reconcile(
    config: Mapping[str, Any], *, source: str, policies: Sequence[Policy] | None = None
) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """Per policy: (enforcement level, properties) after defaults, ``all`` and per-policy values.

    Raises ConfigError listing every problem, each naming ``source`` and the key.
    """
    from policies.pack import DEFAULT_ENFORCEMENT

    pols = _policies(policies)
    # Names are checked against the whole pack, so evaluating a subset accepts a full config file.
    by_name = {p.name: p for p in [*_policies(None), *pols]}
    problems: list[Problem] = []
    given: dict[str, tuple[EnforcementLevel | None, dict[str, Any]]] = {}
    for key, value in config.items():
        if key != "all" and key not in by_name:
            problems.append(Problem(source, key, f"unknown policy; the pack has: {', '.join(sorted(by_name))}"))
            continue
        if isinstance(value, str):
            if value not in LEVELS:
                problems.append(Problem(source, key, f"{value!r} is not an enforcement level; one of {list(LEVELS)}"))
                continue
            given[key] = (EnforcementLevel(value), {})
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            if level is not None and level not in LEVELS:
                problems.append(
                    Problem(source, f"{key}.enforcementLevel", f"{level!r} is not an enforcement level; one of {list(LEVELS)}")
                )
                continue
            if key == "all" and props:
                problems.append(Problem(source, f"all.{sorted(props)[0]}", "'all' takes only an enforcement level"))
                continue
            given[key] = (EnforcementLevel(level) if level else None, props)
        else:
            problems.append(Problem(source, key, "must be an enforcement level string or an object"))

    result: dict[str, tuple[EnforcementLevel, dict[str, Any]]] = {}
    all_level = given.get("all", (None, {}))[0]
    for policy in pols:
        schema = policy.config_schema
        properties = dict(schema.properties) if schema else {}
        props = {k: v["default"] for k, v in properties.items() if "default" in v}
        level = policy.enforcement_level or DEFAULT_ENFORCEMENT
        if all_level is not None:
            level = all_level
        own_level, own_props = given.get(policy.name, (None, {}))
        if own_level is not None:
            level = own_level
        unknown = sorted(set(own_props) - set(properties))
        for prop in unknown:
            allowed = ", ".join(sorted(properties)) or "none (only enforcementLevel)"
            problems.append(Problem(source, f"{policy.name}.{prop}", f"unknown config property; allowed: {allowed}"))
        props.update(own_props)
        if schema is not None:
            document = {"type": "object", "properties": properties}
            if schema.required:
                document["required"] = list(schema.required)
            validator = jsonschema.Draft7Validator(document)
            for error in sorted(validator.iter_errors(props), key=lambda e: list(e.absolute_path)):
                where = ".".join(str(p) for p in error.absolute_path)
                problems.append(Problem(source, f"{policy.name}.{where}" if where else policy.name, error.message))
        result[policy.name] = (level, _as_wire_numbers(props))
    if problems:
        raise ConfigError(problems)
    return result


def _as_wire_numbers(value: Any) -> Any:
    """Numbers as the analyzer sees them after protobuf Struct: floats."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: _as_wire_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_wire_numbers(v) for v in value]
    return value


# -- props and resources, shaped like the analyzer's --------------------------------------------
def _to_wire(value: Any) -> Any:
    if isinstance(value, Secret):
        return {_SIG_KEY: _SECRET_SIG, "value": _to_wire(value.value)}
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_wire(v) for v in value]
    return _as_wire_numbers(value)


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
    pols = _policies(policies)
    reconciled = reconcile(config or {}, source=source, policies=pols)
    by_urn = {r.urn: r for r in plan.resources}
    wire = {r.urn: _to_wire(dict(r.inputs)) for r in plan.resources}
    violations: list[Violation] = []
    not_applicable: list[tuple[str, str]] = []
    levels: dict[str, str] = {}

    for policy in pols:
        level, props = reconciled[policy.name]
        levels[policy.name] = level.value
        if level == EnforcementLevel.DISABLED:
            continue
        if level == EnforcementLevel.REMEDIATE:
            level = EnforcementLevel.MANDATORY

        def report(message: str, urn: str | None = None, *, _policy: Policy = policy, _level=level, _default: str = "") -> None:
            target = by_urn.get(urn or _default)
            violations.append(
                Violation(
                    policy=_policy.name,
                    level=_level.value,
                    description=_policy.description,
                    message=message or "",
                    urn=(urn or _default),
                    type=target.type if target else "",
                    name=target.name if target else "",
                )
            )

        def cannot_run(exc: UnknownValueError, *, _policy: Policy = policy) -> None:
            violations.append(
                Violation(
                    policy=_policy.name,
                    level=EnforcementLevel.ADVISORY.value,
                    description=_policy.description,
                    message=f"can't run policy '{_policy.name}' during preview: {exc.message}",
                )
            )

        if isinstance(policy, ResourceValidationPolicy):
            for r in plan.resources:
                args = ResourceValidationArgs(
                    r.type, wrap_props(r.inputs, wire=wire[r.urn]), r.urn, r.name, _options(r), _provider(r, plan), dict(props), {}
                )
                try:
                    _run(policy.validate(args, lambda m, u=None, _u=r.urn: report(m, _u)))
                except UnknownValueError as exc:
                    cannot_run(exc)
                except _NotApplicableError as exc:
                    not_applicable.append((policy.name, exc.reason or ""))
        elif isinstance(policy, StackValidationPolicy):
            args = StackValidationArgs(stack_resources(plan), dict(props), {})
            try:
                _run(policy.validate(args, report))
            except UnknownValueError as exc:
                cannot_run(exc)
            except _NotApplicableError as exc:
                not_applicable.append((policy.name, exc.reason or ""))

    return PolicyResult(violations=violations, levels=levels, config_source=source, not_applicable=not_applicable)


def evaluate_file(plan: Plan, path: Path, *, policies: Sequence[Policy] | None = None) -> PolicyResult:
    """Evaluate with the policy config file at ``path`` (ConfigError if it is bad)."""
    return evaluate(plan, load_config(path), source=_display(path), policies=policies)


def check_config_file(path: Path, *, policies: Sequence[Policy] | None = None) -> None:
    """Validate a config file without a plan: fail fast before the ~2 s of planning."""
    reconcile(load_config(path), source=_display(path), policies=policies)
