"""The await facts stay in step with the SDK, the custom kinds and the charts the platform installs."""

from __future__ import annotations

import importlib
import inspect

import pytest

from components.catalog import awaits
from components.catalog.crds import CRD_API_VERSIONS
from mlinfra.engine import Plan


@pytest.mark.parametrize("token", sorted(awaits.KUBERNETES_AWAITS) + [awaits.HELM_RELEASE_TYPE])
def test_kubernetes_await_types_are_real_sdk_type_tokens(token: str) -> None:
    # kubernetes:<group>/<version>:<Kind> -> pulumi_kubernetes.<first label of group>.<version>.<Kind>
    group_version, kind = token.split(":")[1:]
    group, version = group_version.split("/")
    module = importlib.import_module(f"pulumi_kubernetes.{group.split('.')[0]}.{version}")
    assert f"'{token}'" in inspect.getsource(getattr(module, kind)), token


def test_every_fact_has_a_timeout_and_a_source() -> None:
    facts = [*awaits.KUBERNETES_AWAITS.values(), *awaits.AWS_AWAITS.values()]
    for fact in [*facts, awaits.HELM_RELEASE_AWAIT, awaits.CUSTOM_RESOURCE_AWAIT]:
        assert fact.timeout_seconds > 0 and fact.source and fact.condition, fact


def test_every_custom_kind_has_a_known_crd_installer() -> None:
    groups = {api.split("/")[0] for api in CRD_API_VERSIONS.values()}
    assert groups <= set(awaits.CRD_INSTALLERS), groups - set(awaits.CRD_INSTALLERS)


def test_charts_named_by_the_facts_are_charts_the_platform_installs(dev_plan: Plan, prod_plan: Plan) -> None:
    installed = {str(r.inputs["chart"]) for p in (dev_plan, prod_plan) for r in p.of_type(awaits.HELM_RELEASE_TYPE)}
    named = {c for charts in awaits.CRD_INSTALLERS.values() for c in charts} | awaits.CHARTS_WITHOUT_PODS
    named |= awaits.GPU_DEVICE_PLUGIN_CHARTS | set(awaits.LOAD_BALANCER_CHART_VALUES) | {awaits.LOAD_BALANCER_CONTROLLER_CHART}
    assert named <= installed, named - installed
