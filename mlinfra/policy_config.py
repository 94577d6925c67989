"""The policy pack's config files (``--policy-pack-config``), read as the Pulumi CLI reads them.

- Format: ``{"all": level, "<policy>": level | {"enforcementLevel": level, ...properties}}``;
  an empty file means no config.
- Reconciliation (the CLI's ``ReconcilePolicyPackConfig``): each policy's schema ``default``
  values first, then ``all``, then the per-policy values; each policy's properties are
  validated against ``{"type": "object", "properties", "required"}``.
- Numbers reach rules as floats (the config crosses gRPC as a protobuf Struct).

Stricter than the CLI, on purpose: an unknown policy name or an unknown config property is
an error here (the CLI silently ignores both, so a typo would disable nothing and enforce
nothing). Every problem is a ConfigError naming the file and the key; `mlinfra plan` exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
from pulumi_policy import EnforcementLevel, Policy

from stacks.errors import ConfigError, Problem, display_path, read_config_text

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICIES_DIR = REPO_ROOT / "policies"
CONFIG_DIR = POLICIES_DIR / "config"
LEVELS = tuple(level.value for level in EnforcementLevel)

# JSON Schema `format`s are not enforced by jsonschema unless asked; the Pulumi CLI's validator
# (gojsonschema) checks them, so reconcile does too. A `date` must be a real calendar date
# (2030-13-01 and 2030-02-30 fail), not just the `YYYY-MM-DD` shape a `pattern` can check.
FORMAT_CHECKER = jsonschema.Draft7Validator.FORMAT_CHECKER
FORMAT_HINTS = {"date": "a date YYYY-MM-DD", "date-time": "an RFC 3339 date-time"}


def environment_config_path(environment: str) -> Path:
    return CONFIG_DIR / f"{environment}.json"


def pack_policies(policies: Sequence[Policy] | None = None) -> Sequence[Policy]:
    """``policies``, or the whole pack (imported lazily: the pack imports mlinfra)."""
    if policies is not None:
        return policies
    from policies.pack import POLICIES

    return POLICIES


def load_config(path: Path) -> dict[str, Any]:
    """Read a ``--policy-pack-config`` file; ConfigError names the file and the key."""
    source = display_path(path)
    known = sorted(display_path(p) for p in CONFIG_DIR.glob("*.json"))
    text = read_config_text(path, source, not_found=f"policy config file not found (shipped: {', '.join(known)})")
    if not text.strip():
        return {}  # the CLI accepts an empty file as "no config"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(source, f"line {exc.lineno}", f"malformed JSON: {exc.msg}")]) from None
    except RecursionError:
        raise ConfigError([Problem(source, "-", "malformed JSON: nested too deeply")]) from None
    if not isinstance(doc, dict):
        raise ConfigError([Problem(source, "-", 'a policy config is a JSON object: {"<policy-name>": ..., "all": "..."}')])
    return doc


_Given = tuple[EnforcementLevel | None, dict[str, Any]]


def reconcile(
    config: Mapping[str, Any], *, source: str, policies: Sequence[Policy] | None = None
) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """Per policy: (enforcement level, properties) after defaults, ``all`` and per-policy values.

    Raises ConfigError listing every problem, each naming ``source`` and the key.
    """
    pols = pack_policies(policies)
    # Names are checked against the whole pack, so evaluating a subset accepts a full config file.
    by_name = {p.name: p for p in [*pack_policies(None), *pols]}
    problems: list[Problem] = []
    given: dict[str, _Given] = {}
    for key, value in config.items():
        entry = _given_entry(source, key, value, by_name, problems)
        if entry is not None:
            given[key] = entry
    all_level = given.get("all", (None, {}))[0]
    result = {policy.name: _policy_settings(policy, given, all_level, source, problems) for policy in pols}
    if problems:
        raise ConfigError(problems)
    return result


def _given_entry(source: str, key: str, value: Any, by_name: Mapping[str, Policy], problems: list[Problem]) -> _Given | None:
    """One key of the config file as (level or None, properties); None (and a problem) if it is bad."""
    if key != "all" and key not in by_name:
        problems.append(Problem(source, key, f"unknown policy; the pack has: {', '.join(sorted(by_name))}"))
        return None
    if isinstance(value, str):
        if value not in LEVELS:
            problems.append(Problem(source, key, f"{value!r} is not an enforcement level; one of {list(LEVELS)}"))
            return None
        return EnforcementLevel(value), {}
    if not isinstance(value, dict):
        problems.append(Problem(source, key, "must be an enforcement level string or an object"))
        return None
    props = dict(value)
    level = props.pop("enforcementLevel", None)
    if level is not None and level not in LEVELS:
        problems.append(
            Problem(source, f"{key}.enforcementLevel", f"{level!r} is not an enforcement level; one of {list(LEVELS)}")
        )
        return None
    if key == "all" and props:
        problems.append(Problem(source, f"all.{sorted(props)[0]}", "'all' takes only an enforcement level"))
        return None
    return (EnforcementLevel(level) if level else None, props)


def _policy_settings(
    policy: Policy, given: Mapping[str, _Given], all_level: EnforcementLevel | None, source: str, problems: list[Problem]
) -> tuple[EnforcementLevel, dict[str, Any]]:
    """One policy's level (its own, else ``all``, else its default) and properties (schema defaults, then the file's)."""
    from policies.pack import DEFAULT_ENFORCEMENT

    schema = policy.config_schema
    properties = dict(schema.properties) if schema else {}
    props = {k: v["default"] for k, v in properties.items() if "default" in v}
    level = policy.enforcement_level or DEFAULT_ENFORCEMENT
    if all_level is not None:
        level = all_level
    own_level, own_props = given.get(policy.name, (None, {}))
    if own_level is not None:
        level = own_level
    for prop in sorted(set(own_props) - set(properties)):
        allowed = ", ".join(sorted(properties)) or "none (only enforcementLevel)"
        problems.append(Problem(source, f"{policy.name}.{prop}", f"unknown config property; allowed: {allowed}"))
    props.update(own_props)
    if schema is not None:
        document = {"type": "object", "properties": properties}
        if schema.required:
            document["required"] = list(schema.required)
        validator = jsonschema.Draft7Validator(document, format_checker=FORMAT_CHECKER)
        for error in sorted(validator.iter_errors(props), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path)
            problems.append(Problem(source, f"{policy.name}.{where}" if where else policy.name, schema_message(error)))
    return level, as_wire_numbers(props)


def schema_message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, except for a value with a known ``format``: say what it must be.

    A pattern and a format error on the same value give the same message (one Problem).
    """
    fmt = error.schema.get("format") if isinstance(error.schema, dict) else None
    if error.validator in ("format", "pattern") and fmt in FORMAT_HINTS:
        return f"must be {FORMAT_HINTS[fmt]}, got {error.instance!r}"
    return error.message


def as_wire_numbers(value: Any) -> Any:
    """Numbers as the analyzer sees them after protobuf Struct: floats."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: as_wire_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_wire_numbers(v) for v in value]
    return value


def check_config_file(path: Path, *, policies: Sequence[Policy] | None = None) -> None:
    """Validate a config file without a plan: fail fast before the ~2 s of planning."""
    reconcile(load_config(path), source=display_path(path), policies=policies)
