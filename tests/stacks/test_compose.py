"""Steps run in the order their needs give, whatever the order areas are registered in."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.area import Area
from stacks.compose import CompositionError, ordered, run, steps_of
from stacks.context import Key, PlatformContext
from stacks.settings import Settings

A: Key[str] = Key("a")
B: Key[str] = Key("b")
ENVS: dict[str, dict[str, Any]] = {"dev": {}, "staging": {}, "prod": {}}


def _area(name: str, needs: tuple[Key[Any], ...], provides: tuple[Key[Any], ...], log: list[str]) -> Area:
    def build(settings: Any, ctx: PlatformContext) -> PlatformContext:
        log.append(name)
        for key in provides:
            ctx = ctx.with_(key, name)
        return ctx

    return Area(defaults=ENVS, name=name, needs=needs, provides=provides, build=build)


def test_a_step_runs_after_the_step_providing_what_it_needs_whatever_the_registration_order() -> None:
    log: list[str] = []
    late, early = _area("late", (A,), (B,), log), _area("early", (), (A,), log)
    ctx = run(None, PlatformContext(), steps_of([late, early], ("build",)))
    assert log == ["early", "late"] and ctx.get(B) == "late"


def test_independent_steps_keep_the_registration_order() -> None:
    log: list[str] = []
    steps = steps_of([_area("one", (), (), log), _area("two", (), (), log)], ("build",))
    assert [s.label for s in ordered(steps)] == ["one.build", "two.build"]


def test_a_need_no_area_provides_is_named() -> None:
    steps = steps_of([_area("lonely", (A,), (), [])], ("build",))
    with pytest.raises(CompositionError, match=r"no area provides what these steps need: \{'lonely.build': \['a'\]\}"):
        ordered(steps)


def test_areas_that_need_each_other_are_a_circle() -> None:
    steps = steps_of([_area("x", (A,), (B,), []), _area("y", (B,), (A,), [])], ("build",))
    with pytest.raises(CompositionError, match=r"circle: \['x.build', 'y.build'\]"):
        ordered(steps)


def test_a_step_must_provide_what_it_declares() -> None:
    liar = Area(defaults=ENVS, name="liar", provides=(A,), build=lambda settings, ctx: ctx)
    with pytest.raises(CompositionError, match=r"liar.build declares \['a'\] but did not provide them"):
        run(None, PlatformContext(), steps_of([liar], ("build",)))


def test_the_shipped_areas_order_without_a_circle_in_one_stack_and_in_a_split() -> None:
    from stacks.context import ALERT_TEMPLATES, AWS, DASHBOARD_TEMPLATES, MONITORING_NAMESPACE, TEAMS

    areas = Settings.areas()
    seeded = {AWS, MONITORING_NAMESPACE, ALERT_TEMPLATES, DASHBOARD_TEMPLATES}  # stacks/platform.py seed()
    one_stack = [s.label for s in ordered(steps_of(areas, ("build", "build_teams")), seeded)]
    # The teams are built before Kafka (its team users need their roles), the cluster before the GPU pools.
    assert one_stack.index("teams.build_teams") < one_stack.index("kafka.build"), one_stack
    assert one_stack.index("cluster.build") < one_stack.index("gpu.build"), one_stack
    platform = [s.label for s in ordered(steps_of(areas, ("build",)), seeded | {TEAMS})]
    assert not any(label.endswith("build_teams") for label in platform), platform


def test_every_key_is_provided_by_one_area_only() -> None:
    provided = [k.name for area in Settings.areas() for k in (*area.provides, *area.team_provides)]
    assert len(provided) == len(set(provided)), provided


def test_an_output_the_area_does_not_declare_is_an_error() -> None:
    leaky = Area(defaults=ENVS, name="leaky", outputs=("declared",), build=lambda settings, ctx: ctx.export(declared=1, other=2))
    with pytest.raises(CompositionError, match=r"leaky.build exports \['other'\], which its area does not declare"):
        run(None, PlatformContext(), steps_of([leaky], ("build",)))
    tidy = Area(defaults=ENVS, name="tidy", outputs=("declared",), build=lambda settings, ctx: ctx.export(declared=1))
    assert dict(run(None, PlatformContext(), steps_of([tidy], ("build",))).outputs) == {"declared": 1}


def test_two_areas_bringing_one_alert_file_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from stacks import platform
    from stacks.loading import load_settings

    dev = load_settings("dev")
    monkeypatch.setattr(platform, "aws_facts", lambda: None)
    twin = Area(defaults=ENVS, alert_templates={"notes": ("A",)})
    monkeypatch.setattr(type(dev), "areas", classmethod(lambda cls: [twin, twin]))
    with pytest.raises(ValueError, match=r"alert-rule files brought by two areas: \['notes'\]"):
        platform.seed(dev)
    # Near miss: one area bringing it is seeded.
    monkeypatch.setattr(type(dev), "areas", classmethod(lambda cls: [twin]))
    assert dict(platform.seed(dev).get(platform.ALERT_TEMPLATES)) == {"notes": ("A",)}
