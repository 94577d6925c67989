"""Settings of the S3 data lake (stack key ``mlinfra:data_lake``) and their mapping to ``DataLakeArgs``.

The rules live in components/_data_lake_rules.py, shared with ``DataLakeArgs``, so one rule
never has two spellings. Checks that need other settings (the environment, protection, the
region) run in ``_problems`` and name the exact field, e.g. ``mlinfra:data_lake.force_destroy``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from components._data_lake_rules import (
    DEFAULT_ZONES,
    bucket_name_problems,
    glacier_ir_days_problem,
    ia_days_problem,
    positive_days_problem,
    zone_problems,
)
from stacks.area import Area, Model
from stacks.errors import Problem

if TYPE_CHECKING:
    import pulumi

    from components.data_lake import DataLakeArgs
    from stacks.settings import Settings


class DataLakeSettings(Model):
    """The S3 data lake (stack key ``mlinfra:data_lake``); rules in components/_data_lake_rules.py."""

    zones: tuple[str, ...] = DEFAULT_ZONES
    """One bucket and one Glue database per zone; DNS-safe, unique names."""
    tiering_zones: tuple[str, ...] = Field(default=("raw",), validate_default=True)
    """Zones whose objects move to STANDARD_IA, then GLACIER_IR; each must be a zone."""
    bucket_prefix: str = ""
    """First part of the bucket names; empty means ``mlinfra-<stack>``."""
    force_destroy: bool = False
    """Let `pulumi destroy` empty the buckets (dev only; never with enable_protection)."""
    raw_to_ia_days: int
    """Days after creation before tiering-zone objects move to STANDARD_IA (S3: >= 30)."""
    raw_to_glacier_ir_days: int
    """Days after creation before they move to GLACIER_IR (>= raw_to_ia_days + 30)."""
    noncurrent_expiry_days: int
    """Days a replaced or deleted object version is kept (>= 1)."""
    log_retention_days: int
    """Days S3 server access logs are kept (>= 1)."""

    @field_validator("zones")
    @classmethod
    def _zones_valid(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        problems = zone_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("tiering_zones")
    @classmethod
    def _tiering_zones_known(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        zones = info.data.get("zones")
        unknown = sorted(set(v) - set(zones or ()))
        if zones is not None and unknown:
            raise ValueError(f"{unknown} are not zones; allowed: {list(zones)}")
        return v

    @field_validator("raw_to_ia_days")
    @classmethod
    def _ia_days_valid(cls, v: int) -> int:
        if problem := ia_days_problem(v):
            raise ValueError(problem)
        return v

    @field_validator("raw_to_glacier_ir_days")
    @classmethod
    def _glacier_ir_days_valid(cls, v: int, info: ValidationInfo) -> int:
        # Fields validate in declaration order; a bad raw_to_ia_days is reported on its own.
        ia_days = info.data.get("raw_to_ia_days")
        if ia_days is not None and (problem := glacier_ir_days_problem(ia_days, v)):
            raise ValueError(problem)
        return v

    @field_validator("noncurrent_expiry_days", "log_retention_days")
    @classmethod
    def _days_positive(cls, v: int) -> int:
        if problem := positive_days_problem(v):
            raise ValueError(problem)
        return v


def _problems(settings: Settings, source: str) -> list[Problem]:
    """Checks that need settings outside ``mlinfra:data_lake``, each against the field to change."""
    lake = settings.data_lake
    problems = [
        Problem(source, "mlinfra:data_lake.bucket_prefix", message)
        for message in bucket_name_problems(settings.effective_bucket_prefix, lake.zones, settings.region)
    ]
    if lake.force_destroy and settings.environment == "prod":
        problems.append(
            Problem(
                source,
                "mlinfra:data_lake.force_destroy",
                "prod never sets force_destroy: its buckets are protected and retained; remove it from the stack file",
            )
        )
    elif lake.force_destroy and settings.enable_protection:
        problems.append(
            Problem(
                source,
                "mlinfra:data_lake.force_destroy",
                "cannot be true together with mlinfra:enable_protection: true (protected buckets are never emptied); "
                "set one of them to false",
            )
        )
    return problems


class DataLakeArea(Model):
    """The S3 data lake."""

    AREA: ClassVar[Area] = Area(
        defaults={
            # Dev stacks come and go: let `pulumi destroy` empty the buckets.
            "dev": {
                "data_lake": {
                    "force_destroy": True,
                    "raw_to_ia_days": 30,
                    "raw_to_glacier_ir_days": 60,
                    "noncurrent_expiry_days": 7,
                    "log_retention_days": 30,
                }
            },
            "staging": {
                "data_lake": {
                    "force_destroy": False,
                    "raw_to_ia_days": 30,
                    "raw_to_glacier_ir_days": 90,
                    "noncurrent_expiry_days": 30,
                    "log_retention_days": 90,
                }
            },
            "prod": {
                "data_lake": {
                    "force_destroy": False,
                    "raw_to_ia_days": 90,
                    "raw_to_glacier_ir_days": 180,
                    "noncurrent_expiry_days": 90,
                    "log_retention_days": 365,
                }
            },
        },
        problems=_problems,
    )

    data_lake: DataLakeSettings


def data_lake_args(settings: Settings, *, account_id: pulumi.Input[str]) -> DataLakeArgs:
    """DataLakeArgs from the settings, field by field."""
    from components.data_lake import DataLakeArgs

    lake = settings.data_lake
    return DataLakeArgs(
        name_prefix=settings.effective_bucket_prefix,
        account_id=account_id,
        region=settings.region,
        zones=lake.zones,
        tiering_zones=lake.tiering_zones,
        raw_to_ia_days=lake.raw_to_ia_days,
        raw_to_glacier_ir_days=lake.raw_to_glacier_ir_days,
        noncurrent_expiry_days=lake.noncurrent_expiry_days,
        log_retention_days=lake.log_retention_days,
        force_destroy=lake.force_destroy,
        enable_protection=settings.enable_protection,
        kms_deletion_window_days=settings.kms_deletion_window_days,
        tags=settings.base_tags,
    )
