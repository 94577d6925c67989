"""Helpers for rule tests: synthetic PolicyResources, shaped exactly as the analyzer builds them.

Props go through ``mlinfra.policy.wrap_props`` (wire serialization, ``deserialize_properties``,
``unknown_checking_proxy``) and config through ``mlinfra.policy.reconcile`` (schema defaults,
validation, numbers as floats), so a rule sees here what it sees under `pulumi preview`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError

from mlinfra.policy import CONFIG_DIR, load_config, reconcile, wrap_props
from policies.rules.aws_eks_cluster_supported_version import NAME as VERSION_RULE
from policies.rules.aws_eks_cluster_supported_version import TABLE_CHECKED

TAGS = {"environment": "prod", "managed-by": "mlinfra", "cost-center": "ml-platform"}

# Tests judge Kubernetes support as of the day the rule's table was last checked, never the
# wall clock: a verdict changes when the table (and TABLE_CHECKED) is edited, not overnight.
# `mlinfra plan` and `pulumi preview` use today's date, which is what should fail a stack.
PINNED_AS_OF = TABLE_CHECKED.isoformat()


def shipped_config(env: str, **overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``policies/config/<env>.json`` as shipped, with the date pinned and ``overrides`` merged."""
    config = load_config(CONFIG_DIR / f"{env}.json")
    for name, values in {VERSION_RULE: {"asOf": PINNED_AS_OF}, **overrides}.items():
        current = config.get(name, {})
        base = current if isinstance(current, dict) else {"enforcementLevel": current}
        config[name] = {**base, **values}
    return config


def opts(protect: bool = False, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def config_for(policy: Policy, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The policy's reconciled properties (defaults + ``config``), validated like the CLI does."""
    given = {policy.name: dict(config)} if config else {}
    return reconcile(given, source="test", policies=[policy])[policy.name][1]


def check_resource(
    policy: Policy,
    type_: str,
    props: Mapping[str, Any],
    *,
    name: str = "r",
    protect: bool = False,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Messages a resource policy reports for one resource."""
    messages: list[str] = []
    urn = f"urn:pulumi:test::mlinfra::{type_}::{name}"
    args = ResourceValidationArgs(type_, wrap_props(props), urn, name, opts(protect), None, config_for(policy, config), {})
    policy.validate(args, lambda message, _urn=None: messages.append(message))
    return messages


def resource(
    type_: str,
    name: str,
    props: Mapping[str, Any] | None = None,
    *,
    parent: PolicyResource | None = None,
    refs: Mapping[str, Sequence[PolicyResource]] | None = None,
    protect: bool = False,
) -> PolicyResource:
    """A PolicyResource for stack policies; ``refs`` are property dependencies (prop -> resources)."""
    refs = dict(refs or {})
    urn = f"urn:pulumi:test::mlinfra::{type_}::{name}"
    deps = [d for ds in refs.values() for d in ds]
    return PolicyResource(
        type_,
        wrap_props(props or {}),
        urn,
        name,
        opts(protect, parent.urn if parent else None),
        None,
        parent,
        deps,
        {k: list(v) for k, v in refs.items()},
    )


def check_stack(
    policy: Policy, resources: Sequence[PolicyResource], *, config: Mapping[str, Any] | None = None
) -> list[tuple[str, str | None]]:
    """(message, urn) pairs a stack policy reports."""
    found: list[tuple[str, str | None]] = []
    args = StackValidationArgs(list(resources), config_for(policy, config), {})
    policy.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def not_applicable_reason(policy: Policy, resources: Sequence[PolicyResource]) -> str | None:
    try:
        check_stack(policy, resources)
    except _NotApplicableError as exc:
        return exc.reason
    return None
