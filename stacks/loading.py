"""Loading: a stack file (and the team files) into validated Settings, every problem at once.

Decode (YAML, Pulumi's JSON-string config values), merge the stack file's ``mlinfra:`` keys
over the environment's defaults (stacks/settings.py ENVIRONMENT_DEFAULTS), validate the model,
run every area's checks, then read and check the team files; report every problem of every
file together as one ConfigError naming file, field and what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from components.catalog.regions import REGIONS
from stacks.errors import ConfigError, Problem, display_path, problems_from_validation_error, read_config_text
from stacks.settings import ENVIRONMENT_DEFAULTS, Settings
from stacks.teams import TeamSettings
from stacks.yaml_loader import load_yaml_or_problem

STACKS_DIR = Path(__file__).resolve().parent
DEFAULT_TEAMS_DIR = STACKS_DIR / "teams"

# Config namespaces a stack file may carry besides mlinfra: provider settings pass through.
PASSTHROUGH_NAMESPACES = ("aws", "kubernetes", "pulumi", "random")


# Maps a stack file replaces whole instead of merging: listing GPU pools must be able to
# drop a default pool, and a half-merged pool would mix two definitions.
REPLACED_MAPS: frozenset[str] = frozenset({"gpu_node_groups"})


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any], *, replace: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Stack-file maps merge into the defaults key by key; lists, scalars and ``replace`` keys replace."""
    merged = dict(base)
    for key, value in override.items():
        if key in replace:
            merged[key] = value
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _decode_config_value(value: Any) -> Any:
    """Pulumi hands config to programs as strings, objects as JSON; files give YAML types."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _split_config(config: Mapping[str, Any], source: str) -> tuple[dict[str, Any], Any, list[Problem]]:
    """``mlinfra:`` overrides (decoded), ``aws:region``, and the keys that are neither."""
    problems: list[Problem] = []
    overrides: dict[str, Any] = {}
    region: Any = None
    for key, raw in sorted(config.items(), key=lambda item: str(item[0])):
        if not isinstance(key, str):
            # YAML reads `42:` and `~:` as a number and null, not text.
            problems.append(Problem(source, repr(key), "config keys are text such as mlinfra:availability_zones"))
            continue
        namespace, sep, field = key.partition(":")
        if not sep:
            problems.append(Problem(source, key, "config keys are namespaced, e.g. mlinfra:availability_zones"))
        elif namespace == "mlinfra":
            overrides[field] = _decode_config_value(raw)
        elif key == "aws:region":
            region = raw
        elif namespace not in PASSTHROUGH_NAMESPACES:
            allowed = ", ".join(PASSTHROUGH_NAMESPACES)
            problems.append(Problem(source, key, f"unknown config namespace {namespace!r}; allowed: mlinfra, {allowed}"))
    return overrides, region, problems


def _required_problems(overrides: dict[str, Any], environment: Any, region: Any, source: str) -> list[Problem]:
    """The environment and region are required; stack, region and teams are not settings (removed)."""
    problems = []
    if environment is None:
        problems.append(Problem(source, "mlinfra:environment", f"is required; one of {sorted(ENVIRONMENT_DEFAULTS)}"))
    elif not isinstance(environment, str) or environment not in ENVIRONMENT_DEFAULTS:
        problems.append(
            Problem(source, "mlinfra:environment", f"must be one of {sorted(ENVIRONMENT_DEFAULTS)}, got {environment!r}")
        )
    if region is None:
        problems.append(Problem(source, "aws:region", f"is required; one of {sorted(REGIONS)}"))
    hints = {"stack": "the stack name", "region": "aws:region", "teams": "the team files in stacks/teams/"}
    for reserved, hint in hints.items():
        if reserved in overrides:
            overrides.pop(reserved)
            problems.append(Problem(source, f"mlinfra:{reserved}", f"is not a setting; it comes from {hint}"))
    return problems


def settings_from_config(config: Mapping[str, Any], *, stack: str, source: str) -> Settings:
    """Validate a flat Pulumi config map (``{"mlinfra:key": value, "aws:region": ...}``).

    ``source`` names the file in error messages.
    """
    overrides, region, problems = _split_config(config, source)
    environment = overrides.pop("environment", None)
    problems += _required_problems(overrides, environment, region, source)
    if problems:
        raise ConfigError(problems)

    data = _deep_merge(ENVIRONMENT_DEFAULTS[environment], overrides, replace=REPLACED_MAPS)
    data.update(stack=stack, environment=environment, region=region)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        found = problems_from_validation_error(exc, source, prefix="mlinfra:")
        # The region is a setting of the aws provider's namespace, not of mlinfra's.
        raise ConfigError(
            [Problem(p.file, "aws:region", p.message) if p.field == "mlinfra:region" else p for p in found]
        ) from None
    problems = settings.problems(source)
    if problems:
        raise ConfigError(problems)
    return settings


def read_stack_file(path: Path, *, explicit: bool = False) -> dict[str, Any]:
    """The ``config:`` map of a Pulumi stack file, or a ConfigError naming the file.

    ``explicit``: the path came from --stack-file (the hint then says how to start one).
    """
    source = display_path(path)
    known = sorted(p.name.split(".")[1] for p in STACKS_DIR.glob("Pulumi.*.yaml"))
    hint = (
        "stack file not found; start one from stacks/Pulumi.dev.yaml (config: aws:region, mlinfra:environment, overrides)"
        if explicit
        else f"stack file not found; stacks here: {', '.join(known)} (or pass --stack-file)"
    )
    doc, problem = load_yaml_or_problem(source, read_config_text(path, source, not_found=hint))
    if problem is not None:
        raise ConfigError([problem])
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError([Problem(source, "-", "a stack file is a YAML map with a 'config:' key")])
    unknown = sorted(str(k) for k in set(doc) - {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"})
    if unknown:
        raise ConfigError([Problem(source, unknown[0], "unknown top-level key; a stack file holds 'config:'")])
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError([Problem(source, "config", "must be a map of 'namespace:key: value'")])
    return config


def stack_file_path(stack: str) -> Path:
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def load_settings(stack: str, *, stack_file: Path | None = None, teams_dir: Path | None = None) -> Settings:
    """Settings for ``stack`` from its stack file (default ``stacks/Pulumi.<stack>.yaml``)
    and the team files in ``teams_dir`` (default ``stacks/teams``)."""
    return load_settings_and_config(stack, stack_file=stack_file, teams_dir=teams_dir)[0]


def load_settings_and_config(
    stack: str, *, stack_file: Path | None = None, teams_dir: Path | None = None
) -> tuple[Settings, dict[str, Any]]:
    """``load_settings`` plus the stack file's raw config map, read once (the offline engine
    hands that map to the program as Pulumi would)."""
    path = stack_file or stack_file_path(stack)
    config: dict[str, Any] = {}

    def build() -> Settings:
        config.update(read_stack_file(path, explicit=stack_file is not None))
        return settings_from_config(config, stack=stack, source=display_path(path))

    return with_teams(build, teams_dir), config


def settings_from_pulumi(teams_dir: Path | None = None) -> Settings:
    """Settings inside a running Pulumi program: the engine's config map for this stack."""
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config_env

    config = _hide_decrypted_secrets(dict(CONFIG.get()) or get_config_env())
    stack = pulumi.get_stack()
    return with_teams(lambda: settings_from_config(config, stack=stack, source=display_path(stack_file_path(stack))), teams_dir)


def _hide_decrypted_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with each secret map's values as ``{"secure": "[secret]"}``, the shape of the stack file.

    The engine hands a program its secrets decrypted (objects as JSON) and names them in the secret
    keys; the settings only check which secrets exist (``mlinfra:alert_receivers``) and must never
    hold one, nor mistake it for plain text.
    """
    from pulumi.runtime.config import get_config_secret_keys_env, is_config_secret

    secret = set(get_config_secret_keys_env()) | {k for k in config if is_config_secret(k)}
    hidden = dict(config)
    for key in secret & set(config):
        value = _decode_config_value(config[key])
        if isinstance(value, dict):
            hidden[key] = {name: {"secure": "[secret]"} for name in value}
    return hidden


def with_teams(build: Callable[[], Settings], teams_dir: Path | None = None) -> Settings:
    """``build()``'s settings plus the team files, with every problem of both in one ConfigError.

    Team files are read even when the stack file is bad, so one run reports everything.
    """
    from stacks.teams import read_team_files, resolve_teams

    problems: list[Problem] = []
    settings: Settings | None = None
    try:
        settings = build()
    except ConfigError as exc:
        problems += exc.problems
    directory = teams_dir or DEFAULT_TEAMS_DIR
    loaded, file_problems = read_team_files(directory)
    problems += file_problems
    teams: tuple[TeamSettings, ...] = ()
    if settings is not None:
        teams, team_problems = resolve_teams(
            loaded,
            environment=settings.environment,
            zones=settings.data_lake.zones,
            gpu_capacity=settings.gpu_capacity(),
            overcommit=settings.team_quota_overcommit,
            teams_dir_source=display_path(directory),
        )
        problems += team_problems
        # The areas' checks of team sections compare files (a topic another team reads, a host
        # two teams claim): run them only on a complete, valid set, or a broken file would
        # surface as false "unknown topic" errors in the others.
        if not file_problems and not team_problems:
            problems += settings.team_problems(teams)
    if problems or settings is None:
        raise ConfigError(problems)
    return settings.model_copy(update={"teams": teams})


def team_warnings_of(settings: Settings) -> list[str]:
    """Warnings about the team files that do not stop a plan (printed by `mlinfra plan`)."""
    from stacks.mesh_settings import serving_quota_warnings
    from stacks.teams import team_warnings

    found = team_warnings(settings.teams, settings.environment, settings.gpu_capacity(), settings.team_quota_overcommit)
    return found + serving_quota_warnings(settings)
