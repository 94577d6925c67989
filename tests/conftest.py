"""Shared fixtures: each stack's offline plan is built once per test process and reused."""

from __future__ import annotations

from functools import cache

import pytest

from mlinfra.engine import Plan, plan_stack


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
