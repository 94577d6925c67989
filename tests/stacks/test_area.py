"""The areas that make up Settings: each field belongs to one area, each area has every environment."""

from __future__ import annotations

import pytest

from stacks.area import ENVIRONMENTS, Area, areas_of
from stacks.settings import ENVIRONMENT_DEFAULTS, Settings


def _area_fields() -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for base in Settings.__mro__:
        if isinstance(vars(base).get("AREA"), Area):
            for field in vars(base).get("__annotations__", {}):
                if field != "AREA":
                    owners.setdefault(field, []).append(base.__name__)
    return owners


def test_every_setting_belongs_to_exactly_one_area() -> None:
    owners = _area_fields()
    assert set(owners) == set(Settings.model_fields), sorted(set(Settings.model_fields) ^ set(owners))
    shared = {field: areas for field, areas in owners.items() if len(areas) > 1}
    assert shared == {}, f"fields declared by two areas: {shared}"


def test_each_base_of_settings_is_an_area() -> None:
    assert len(Settings.areas()) == len(Settings.__bases__), [b.__name__ for b in Settings.__bases__]


def test_area_defaults_cover_every_environment_and_only_their_own_fields() -> None:
    owners = _area_fields()
    for base in Settings.__bases__:
        area: Area = vars(base)["AREA"]
        for env in ENVIRONMENTS:
            foreign = sorted(k for k in area.defaults[env] if base.__name__ not in owners.get(k, []))
            assert foreign == [], f"{base.__name__} sets defaults of other areas' fields in {env}: {foreign}"


def test_environment_defaults_are_the_union_of_the_areas() -> None:
    for env in ENVIRONMENTS:
        union = {k: v for area in Settings.areas() for k, v in area.defaults[env].items()}
        assert dict(ENVIRONMENT_DEFAULTS[env]) == union, env


def test_an_area_must_name_every_environment() -> None:
    with pytest.raises(ValueError, match=r"area defaults miss environments \['prod'\]"):
        Area(defaults={"dev": {}, "staging": {}})


def test_areas_of_follows_the_order_of_the_bases() -> None:
    assert areas_of(Settings) == [vars(base)["AREA"] for base in reversed(Settings.__mro__) if "AREA" in vars(base)]


def test_the_areas_own_exactly_the_platform_namespaces_of_the_catalog() -> None:
    from components.catalog.namespaces import PLATFORM_NAMESPACES

    owned = [ns for area in Settings.areas() for ns in area.namespaces]
    assert sorted(owned) == sorted(PLATFORM_NAMESPACES), "each platform namespace is owned by one area"


def test_an_area_that_builds_needs_a_name() -> None:
    with pytest.raises(ValueError, match="an area that builds resources needs a name"):
        Area(defaults={"dev": {}, "staging": {}, "prod": {}}, build=lambda settings, ctx: ctx)


def test_a_team_named_like_an_area_namespace_is_refused_naming_the_file() -> None:
    from stacks.context import PlatformContext

    class Tiny(Settings):
        """Settings plus one area that owns a namespace no catalog lists."""

        AREA = Area(
            defaults={"dev": {}, "staging": {}, "prod": {}},
            name="tiny",
            namespaces=("tiny-system",),
            build=lambda settings, ctx: PlatformContext(),
        )

    from stacks.loading import load_settings

    dev = load_settings("dev")
    team = dev.teams[0].model_copy(update={"name": "tiny-system", "source": "stacks/teams/tiny-system.yaml"})
    problems = Tiny.model_construct(**dict(dev)).team_problems([team])
    assert [(p.file, p.field) for p in problems if "namespace of the tiny area" in p.message] == [
        ("stacks/teams/tiny-system.yaml", "name")
    ]
    # The same team under a name no area owns passes this check.
    other = Tiny.model_construct(**dict(dev)).team_problems([team.model_copy(update={"name": "tiny"})])
    assert not [p for p in other if "namespace of" in p.message]
