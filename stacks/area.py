"""What every settings area has: the model base, its defaults per environment, its checks.

An area is one module, ``stacks/<area>_settings.py``, holding its pydantic models, a mixin
``<Area>Area`` with the fields it adds to ``Settings`` and an ``AREA: ClassVar[Area]``, and
the mapping from settings to its components' Args. ``stacks/settings.py`` lists the mixins
as the bases of ``Settings``: adding an area is one module and one base class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from stacks.errors import Problem

if TYPE_CHECKING:
    from stacks.settings import Settings
    from stacks.team_model import TeamSettings

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")


class Model(BaseModel):
    """Frozen, strict about unknown keys: a typo is an error, not a silently ignored key."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _no_problems(settings: Settings, source: str) -> list[Problem]:
    return []


def _no_team_problems(settings: Settings, teams: Sequence[TeamSettings]) -> list[Problem]:
    return []


@dataclass(frozen=True)
class Area:
    """One settings area: its per-environment defaults and its checks beyond single fields."""

    defaults: Mapping[str, Mapping[str, Any]]
    """Environment -> field defaults (stack-file keys without ``mlinfra:``); every environment listed."""
    problems: Callable[[Settings, str], list[Problem]] = _no_problems
    """Checks spanning fields or areas, each against the field to change (``source`` = the stack file)."""
    team_problems: Callable[[Settings, Sequence[TeamSettings]], list[Problem]] = _no_team_problems
    """Checks of the team files' sections of this area against this environment (every problem of
    every file; ``TeamSettings.source`` names the file)."""

    def __post_init__(self) -> None:
        missing = sorted(set(ENVIRONMENTS) - set(self.defaults))
        if missing:
            raise ValueError(f"area defaults miss environments {missing}")


def areas_of(cls: type) -> list[Area]:
    """The areas of a Settings class, in the order of its bases."""
    return [vars(base)["AREA"] for base in reversed(cls.__mro__) if isinstance(vars(base).get("AREA"), Area)]
