"""Typed stack settings: environment defaults + stack-file overrides (+ team files).

This module is the ONE place where environments differ. Each environment has one
defaults literal in ``ENVIRONMENT_DEFAULTS``; a stack file ``stacks/Pulumi.<stack>.yaml``
overrides fields with ``mlinfra:<field>`` keys (snake_case, nested objects as YAML maps).
``mlinfra:environment`` picks the defaults and ``aws:region`` the region.

Bad input never reaches a resource: every problem becomes a ``ConfigError`` that names the
file, the field path and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stacks.data_lake_settings import DataLakeSettings, data_lake_problems
from stacks.errors import ConfigError, Problem, display_path, problems_from_validation_error, read_config_text
from stacks.gpu_settings import (
    ClusterAutoscalerSettings,
    GpuNodeGroupSettings,
    GpuOperatorSettings,
    PoolName,
    gpu_node_group_problems,
)
from stacks.regions import REGIONS, region_az_names
from stacks.teams import TeamSettings
from stacks.yaml_loader import load_yaml

STACKS_DIR = Path(__file__).resolve().parent
DEFAULT_TEAMS_DIR = STACKS_DIR / "teams"

Environment = Literal["dev", "staging", "prod"]
LogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]
ALL_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")

# Kubernetes versions this toolkit pins add-ons for (components/cluster.py ADDON_VERSIONS).
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.33", "1.34", "1.35")

_ROLE_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}")

# Config namespaces a stack file may carry besides mlinfra: provider settings pass through.
PASSTHROUGH_NAMESPACES = ("aws", "kubernetes", "pulumi", "random")


class _Model(BaseModel):
    """Frozen, strict about unknown keys: a typo is an error, not a silently ignored key."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeGroupSettings(_Model):
    """The system (non-GPU) managed node group: runs CoreDNS, add-ons and controllers."""

    instance_types: tuple[str, ...] = Field(min_length=1)
    """EC2 instance types, tried in order by the managed node group."""
    min_size: int = Field(ge=0, le=100)
    max_size: int = Field(ge=1, le=100)
    desired_size: int = Field(ge=0, le=100)
    disk_size_gb: int = Field(ge=20, le=2000)
    """Encrypted gp3 root volume size."""

    @model_validator(mode="after")
    def _sizes_are_ordered(self) -> NodeGroupSettings:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size ({self.min_size}) must be <= max_size ({self.max_size})")
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"desired_size ({self.desired_size}) must be between min_size ({self.min_size}) and max_size ({self.max_size})"
            )
        return self


class Settings(_Model):
    """Everything the platform program needs to know about one stack."""

    stack: str
    """The Pulumi stack name (dev, staging, prod, or any name whose environment is set)."""
    environment: Environment
    """Which defaults literal applies; never read by components."""
    region: str
    """AWS region (stack key ``aws:region``)."""
    cost_center: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    """Value of the ``cost-center`` tag on every taggable resource."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every taggable resource (cannot override the three required tags)."""

    # -- network -----------------------------------------------------------------------
    availability_zones: int = Field(ge=2, le=6)
    """Number of AZs the VPC spans (EKS needs at least two)."""
    nat_gateways: Literal["single", "one_per_az"]
    """One shared NAT gateway (cheap) or one per AZ (survives an AZ outage)."""
    vpc_cidr: str
    """VPC IPv4 CIDR, an RFC 1918 block between /16 and /20."""
    flow_log_retention_days: int
    """CloudWatch retention of VPC flow logs and control-plane logs."""

    # -- cluster -----------------------------------------------------------------------
    cluster_name: str = Field(default="", pattern=r"^$|^[a-zA-Z][a-zA-Z0-9-]{0,99}$")
    """EKS cluster name; empty means ``mlinfra-<stack>``."""
    kubernetes_version: str
    """EKS Kubernetes version (add-on versions are pinned per version)."""
    service_cidr: str = "172.20.0.0/16"
    """Kubernetes service CIDR; must not overlap the VPC."""
    endpoint_public_access: bool
    """Whether the Kubernetes API endpoint is reachable from the internet."""
    endpoint_public_access_cidrs: tuple[str, ...] = ()
    """CIDRs allowed to reach a public endpoint (prod: never 0.0.0.0/0)."""
    control_plane_log_types: tuple[LogType, ...]
    """EKS control-plane log types sent to CloudWatch."""
    system_node_group: NodeGroupSettings
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries."""
    kms_deletion_window_days: int = Field(ge=7, le=30)
    """Waiting period before a scheduled KMS key deletion takes effect."""
    enable_protection: bool
    """Protect and retain stateful resources (KMS keys, the cluster, buckets)."""

    # -- GPU pools and their software ----------------------------------------------------
    gpu_node_groups: dict[PoolName, GpuNodeGroupSettings] = Field(default_factory=dict)
    """GPU pools keyed by name; a stack file that lists pools replaces the default map."""
    gpu_operator: GpuOperatorSettings = Field(default_factory=GpuOperatorSettings)
    cluster_autoscaler: ClusterAutoscalerSettings = Field(default_factory=ClusterAutoscalerSettings)

    # -- teams (stacks/teams/*.yaml) ---------------------------------------------------------
    team_quota_overcommit: Literal["warn", "error"]
    """The teams' GPU quotas together above the GPU capacity: a warning or an error."""
    teams: tuple[TeamSettings, ...] = ()
    """This environment's view of every team file; comes from the teams dir, not the stack file."""

    # -- data lake ---------------------------------------------------------------------
    data_lake: DataLakeSettings

    # -- validation ----------------------------------------------------------------------
    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr_is_private(cls, v: str) -> str:
        net = _parse_network(v)
        if not net.is_private:
            raise ValueError(f"must be an RFC 1918 private block, got {v!r}")
        if not 16 <= net.prefixlen <= 20:
            raise ValueError(f"prefix length must be between /16 and /20, got /{net.prefixlen}")
        return str(net)

    @field_validator("service_cidr")
    @classmethod
    def _service_cidr_valid(cls, v: str) -> str:
        net = _parse_network(v)
        if not 12 <= net.prefixlen <= 24:
            raise ValueError(f"prefix length must be between /12 and /24, got /{net.prefixlen}")
        return str(net)

    @field_validator("endpoint_public_access_cidrs")
    @classmethod
    def _cidrs_valid(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(_parse_network(c)) for c in v)

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _version_is_text(cls, v: Any) -> Any:
        # YAML reads 1.35 as a number (and 1.30 as 1.3), so a version must be quoted.
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(
                f'write the version as a quoted string, e.g. "{SUPPORTED_KUBERNETES_VERSIONS[-1]}" (YAML read {v!r} as a number); '
                f"allowed: {list(SUPPORTED_KUBERNETES_VERSIONS)}"
            )
        return v

    @field_validator("kubernetes_version")
    @classmethod
    def _version_supported(cls, v: str) -> str:
        if v not in SUPPORTED_KUBERNETES_VERSIONS:
            raise ValueError(f"must be one of {list(SUPPORTED_KUBERNETES_VERSIONS)}, got {v!r}")
        return v

    @field_validator("region")
    @classmethod
    def _region_supported(cls, v: str) -> str:
        if v not in REGIONS:
            raise ValueError(f"must be one of {sorted(REGIONS)}, got {v!r}")
        return v

    @field_validator("tags")
    @classmethod
    def _tags_do_not_override(cls, v: dict[str, str]) -> dict[str, str]:
        reserved = sorted(set(v) & {"environment", "managed-by", "cost-center"})
        if reserved:
            raise ValueError(f"may not set the required tags {reserved}; they come from the settings")
        # AWS tag limits: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
        for key, value in v.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} must be 1-128 characters and must not start with 'aws:'")
            if len(value) > 256:
                raise ValueError(f"tag {key!r}: values are at most 256 characters, got {len(value)}")
        return v

    @field_validator("admin_role_arns")
    @classmethod
    def _admin_roles_are_role_arns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for arn in v:
            if not _ROLE_ARN.fullmatch(arn):
                raise ValueError(f"must be IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admin, got {arn!r}")
        return v

    # -- derived values (not settings) ----------------------------------------------------
    @property
    def effective_cluster_name(self) -> str:
        return self.cluster_name or f"mlinfra-{self.stack}"

    @property
    def effective_bucket_prefix(self) -> str:
        """Data lake bucket-name prefix: the setting, or ``mlinfra-<stack>`` made DNS-safe."""
        return self.data_lake.bucket_prefix or f"mlinfra-{self.stack}".lower().replace("_", "-").replace(".", "-")

    def gpu_capacity(self) -> int:
        """GPUs at maximum size: sum over pools of max_size x GPUs per instance (largest type)."""
        return sum(pool.max_size * pool.gpus_per_node_max for pool in self.gpu_node_groups.values())

    @property
    def base_tags(self) -> dict[str, str]:
        """The tags every taggable resource carries, passed explicitly to every component."""
        return {
            **self.tags,
            "environment": self.environment,
            "managed-by": "mlinfra",
            "cost-center": self.cost_center,
        }


def cross_field_problems(settings: Settings, source: str) -> list[Problem]:
    """Checks that span several fields, each reported against the field to change."""
    problems: list[Problem] = gpu_node_group_problems(settings.gpu_node_groups, settings.region, source)
    azs = len(region_az_names(settings.region))
    if settings.availability_zones > azs:
        problems.append(
            Problem(
                source,
                "mlinfra:availability_zones",
                f"region {settings.region} has {azs} AZs; allowed 2..{azs}, got {settings.availability_zones}",
            )
        )
    if _parse_network(settings.vpc_cidr).overlaps(_parse_network(settings.service_cidr)):
        problems.append(
            Problem(
                source,
                "mlinfra:service_cidr",
                f"{settings.service_cidr} overlaps vpc_cidr {settings.vpc_cidr}; choose a block outside the VPC",
            )
        )
    if settings.environment == "prod" and settings.endpoint_public_access:
        # An empty list means 0.0.0.0/0 to EKS, so prod must list its CIDRs.
        cidrs = settings.endpoint_public_access_cidrs
        if not cidrs or any(_parse_network(c).prefixlen == 0 for c in cidrs):
            problems.append(
                Problem(
                    source,
                    "mlinfra:endpoint_public_access_cidrs",
                    "prod's public endpoint must list the CIDRs allowed to reach it, never 0.0.0.0/0 "
                    "(or set mlinfra:endpoint_public_access: false)",
                )
            )
    problems += data_lake_problems(
        settings.data_lake,
        bucket_prefix=settings.effective_bucket_prefix,
        region=settings.region,
        environment=settings.environment,
        enable_protection=settings.enable_protection,
        source=source,
    )
    return problems


def _parse_network(v: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(v, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR such as 10.0.0.0/16, got {v!r} ({exc})") from None


# One defaults literal per environment: the only place environments differ.
ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "cost_center": "ml-platform",
        "availability_zones": 2,
        "nat_gateways": "single",
        "vpc_cidr": "10.10.0.0/16",
        "flow_log_retention_days": 14,
        "kubernetes_version": "1.35",
        # Dev is reached from laptops; IAM still authenticates every request.
        "endpoint_public_access": True,
        "endpoint_public_access_cidrs": ["0.0.0.0/0"],
        "control_plane_log_types": ["api", "audit", "authenticator"],
        "system_node_group": {
            "instance_types": ["m6i.large"],
            "min_size": 2,
            "max_size": 3,
            "desired_size": 2,
            "disk_size_gb": 50,
        },
        "kms_deletion_window_days": 7,
        "enable_protection": False,
        # One small SPOT pool that rests at zero: dev GPUs cost nothing while idle.
        "gpu_node_groups": {
            "gpu": {
                "instance_types": ["g5.xlarge"],
                "capacity_type": "SPOT",
                "min_size": 0,
                "max_size": 2,
                "disk_size_gb": 100,
            },
        },
        # Dev quotas may add up to more GPUs than exist: teams rarely use them all at once.
        "team_quota_overcommit": "warn",
        # Dev stacks come and go: let `pulumi destroy` empty the buckets.
        "data_lake": {
            "force_destroy": True,
            "raw_to_ia_days": 30,
            "raw_to_glacier_ir_days": 60,
            "noncurrent_expiry_days": 7,
            "log_retention_days": 30,
        },
    },
    "staging": {
        "cost_center": "ml-platform",
        "availability_zones": 3,
        "nat_gateways": "single",
        "vpc_cidr": "10.20.0.0/16",
        "flow_log_retention_days": 30,
        "kubernetes_version": "1.35",
        "endpoint_public_access": False,
        "control_plane_log_types": list(ALL_LOG_TYPES),
        "system_node_group": {
            "instance_types": ["m6i.large"],
            "min_size": 2,
            "max_size": 4,
            "desired_size": 2,
            "disk_size_gb": 50,
        },
        "kms_deletion_window_days": 30,
        "enable_protection": False,
        "gpu_node_groups": {
            "gpu": {
                "instance_types": ["g5.xlarge", "g5.2xlarge"],
                "capacity_type": "ON_DEMAND",
                "min_size": 0,
                "max_size": 4,
                "disk_size_gb": 200,
            },
        },
        "team_quota_overcommit": "warn",
        "data_lake": {
            "force_destroy": False,
            "raw_to_ia_days": 30,
            "raw_to_glacier_ir_days": 90,
            "noncurrent_expiry_days": 30,
            "log_retention_days": 90,
        },
    },
    "prod": {
        "cost_center": "ml-platform",
        "availability_zones": 3,
        "nat_gateways": "one_per_az",
        "vpc_cidr": "10.30.0.0/16",
        "flow_log_retention_days": 365,
        "kubernetes_version": "1.35",
        "endpoint_public_access": False,
        "control_plane_log_types": list(ALL_LOG_TYPES),
        "system_node_group": {
            "instance_types": ["m6i.xlarge"],
            "min_size": 3,
            "max_size": 6,
            "desired_size": 3,
            "disk_size_gb": 100,
        },
        "kms_deletion_window_days": 30,
        "enable_protection": True,
        "gpu_node_groups": {
            # Multi-node training: 8 x A100 per node, EFA between nodes.
            "training": {
                "instance_types": ["p4d.24xlarge"],
                "capacity_type": "ON_DEMAND",
                "min_size": 0,
                "max_size": 8,
                "disk_size_gb": 500,
                "efa": True,
            },
            # Model serving: one L4 per node, the 2xlarge when the xlarge is short.
            "inference": {
                "instance_types": ["g6.xlarge", "g6.2xlarge"],
                "capacity_type": "ON_DEMAND",
                "min_size": 0,
                "max_size": 10,
                "disk_size_gb": 200,
            },
        },
        # A prod quota is a promise: the GPUs behind every quota must exist.
        "team_quota_overcommit": "error",
        "data_lake": {
            "force_destroy": False,
            "raw_to_ia_days": 90,
            "raw_to_glacier_ir_days": 180,
            "noncurrent_expiry_days": 90,
            "log_retention_days": 365,
        },
    },
}


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


def settings_from_config(config: Mapping[str, Any], *, stack: str, source: str) -> Settings:
    """Validate a flat Pulumi config map (``{"mlinfra:key": value, "aws:region": ...}``).

    ``source`` names the file in error messages.
    """
    problems: list[Problem] = []
    overrides: dict[str, Any] = {}
    region: Any = None
    for key, raw in sorted(config.items()):
        namespace, sep, field = str(key).partition(":")
        if not sep:
            problems.append(Problem(source, key, "config keys are namespaced, e.g. mlinfra:availability_zones"))
            continue
        if namespace == "mlinfra":
            overrides[field] = _decode_config_value(raw)
        elif key == "aws:region":
            region = raw
        elif namespace not in PASSTHROUGH_NAMESPACES:
            problems.append(
                Problem(
                    source, key, f"unknown config namespace {namespace!r}; allowed: mlinfra, {', '.join(PASSTHROUGH_NAMESPACES)}"
                )
            )

    environment = overrides.pop("environment", None)
    if environment is None:
        problems.append(Problem(source, "mlinfra:environment", f"is required; one of {sorted(ENVIRONMENT_DEFAULTS)}"))
    elif environment not in ENVIRONMENT_DEFAULTS:
        problems.append(
            Problem(source, "mlinfra:environment", f"must be one of {sorted(ENVIRONMENT_DEFAULTS)}, got {environment!r}")
        )
    if region is None:
        problems.append(Problem(source, "aws:region", f"is required; one of {sorted(REGIONS)}"))
    hints = {"stack": "the stack name", "region": "aws:region", "teams": "the team files in stacks/teams/"}
    for reserved in ("stack", "region", "teams"):
        if reserved in overrides:
            overrides.pop(reserved)
            hint = hints[reserved]
            problems.append(Problem(source, f"mlinfra:{reserved}", f"is not a setting; it comes from {hint}"))
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
    problems = cross_field_problems(settings, source)
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
    text = read_config_text(path, source, not_found=hint)
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        raise ConfigError([Problem(source, where, f"malformed YAML: {getattr(exc, 'problem', exc)}")]) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError([Problem(source, "-", "a stack file is a YAML map with a 'config:' key")])
    unknown = sorted(set(doc) - {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"})
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

    config = dict(CONFIG.get()) or get_config_env()
    stack = pulumi.get_stack()
    return with_teams(lambda: settings_from_config(config, stack=stack, source=display_path(stack_file_path(stack))), teams_dir)


def with_teams(build: Callable[[], Settings], teams_dir: Path | None = None) -> Settings:
    """``build()``'s settings plus the team files, with every problem of both in one ConfigError.

    Team files are read even when the stack file is bad, so one run reports everything.
    """
    from stacks.teams import display_path, read_team_files, resolve_teams

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
    if problems or settings is None:
        raise ConfigError(problems)
    return settings.model_copy(update={"teams": teams})


def team_warnings_of(settings: Settings) -> list[str]:
    """Warnings about the team files that do not stop a plan (printed by `mlinfra plan`)."""
    from stacks.teams import team_warnings

    return team_warnings(settings.teams, settings.environment, settings.gpu_capacity(), settings.team_quota_overcommit)
