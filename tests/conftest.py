"""Shared fixtures: each stack's offline plan is built once per test process and reused."""

from __future__ import annotations

from functools import cache

import pytest

from mlinfra.engine import Plan, plan_stack
from mlinfra.split import SplitPlans, plan_split


@cache
def cached_plan(stack: str) -> Plan:
    return plan_stack(stack)


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    return cached_plan("dev")


@pytest.fixture(scope="session")
def staging_plan() -> Plan:
    return cached_plan("staging")


@pytest.fixture(scope="session")
def prod_plan() -> Plan:
    return cached_plan("prod")


@pytest.fixture(scope="session", params=["dev", "staging", "prod"])
def any_plan(request: pytest.FixtureRequest) -> Plan:
    return cached_plan(request.param)


@cache
def cached_split(stack: str) -> SplitPlans:
    return plan_split(stack)


@pytest.fixture(scope="session", params=["dev", "prod"])
def split_plans(request: pytest.FixtureRequest) -> tuple[Plan, SplitPlans]:
    """(the one-stack plan, both halves of the same environment split in two)."""
    return cached_plan(request.param), cached_split(request.param)
