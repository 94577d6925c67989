"""Every KMS key has an explicit key policy: only the account root may do everything, and AWS
services may use a key only under conditions (components/_kms.py key_policy builds them)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import KMS_KEY, get, plain

NAME = "aws-kms-key-explicit-policy"
# The account root, the one principal that may hold kms:* (so IAM policies keep working).
_ROOT = re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:root|\d{12}")
_ALL_ACTIONS = {"kms:*", "*"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principals(statement: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(AWS principals, service principals) of a statement; "*" counts as an AWS principal."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"], []
    if not isinstance(principal, Mapping):
        return [], []
    return [str(p) for p in _as_list(principal.get("AWS") or [])], [str(p) for p in _as_list(principal.get("Service") or [])]


def policy_problems(document: Any) -> list[str]:
    """What makes a key policy too broad ([] if nothing); ``document`` is the JSON text."""
    if not document:
        return ["has no explicit key policy (the AWS default applies)"]
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError:
        return ["has a key policy that is not JSON"]
    statements = parsed.get("Statement") if isinstance(parsed, Mapping) else None
    if not statements:
        return ["has a key policy without statements"]
    problems = []
    for i, st in enumerate(_as_list(statements)):
        if not isinstance(st, Mapping) or st.get("Effect") != "Allow":
            continue  # Deny statements only narrow
        sid = st.get("Sid") or f"statement {i}"
        if "NotPrincipal" in st or "NotAction" in st:
            problems.append(f"{sid} allows with NotPrincipal/NotAction (everyone or everything but a few)")
            continue
        aws, services = _principals(st)
        everything = bool(_ALL_ACTIONS & {str(a) for a in _as_list(st.get("Action") or [])})
        others = [p for p in aws if not _ROOT.fullmatch(p)]
        if everything and (others or services):
            problems.append(f"{sid} gives kms:* to {sorted(others + services)}; only the account root may have it")
        elif "*" in aws and not st.get("Condition"):
            problems.append(f"{sid} allows any principal ('*') without a condition")
        if services and not st.get("Condition"):
            problems.append(
                f"{sid} lets {sorted(services)} use the key without a condition (kms:ViaService, encryption context or aws:SourceArn)"
            )
    return problems


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != KMS_KEY:
        return
    for problem in policy_problems(plain(get(args.props, "policy"))):
        report_violation(
            f"KMS key '{args.name}' {problem}; build its policy with components/_kms.py key_policy "
            "(account root, key administrators, conditioned service statements).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="KMS keys have an explicit key policy: only the account root has kms:*, services only with conditions.",
    validate=validate,
)
