"""The shared Helm add-on helper: pinned https charts, never a label on a system namespace."""

from __future__ import annotations

import pytest

from components._helm import HelmAddonArgs, HelmChart, helm_addon

CHART = HelmChart(name="gpu-operator", repository="https://helm.ngc.nvidia.com/nvidia", version="v26.7.0")


@pytest.mark.parametrize(
    "version,repository,message",
    [
        ("^26.7.0", "https://helm.ngc.nvidia.com/nvidia", "version must be pinned exactly"),
        ("", "https://helm.ngc.nvidia.com/nvidia", "version must be pinned exactly"),
        ("v26.7.0", "http://helm.ngc.nvidia.com/nvidia", "repository must be an https:// URL"),
    ],
)
def test_helm_chart_must_be_pinned_and_https(version: str, repository: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HelmChart(name="gpu-operator", repository=repository, version=version)


def test_helm_helper_never_labels_a_system_namespace() -> None:
    addon = HelmAddonArgs(chart=CHART, namespace="kube-system", values={}, namespace_labels={"a": "b"})
    with pytest.raises(ValueError, match="addon: cannot label the system namespace 'kube-system'"):
        helm_addon("addon", addon, parent=None, provider=None)  # type: ignore[arg-type] - raises before use
