"""The version tables agree with each other: a supported version has every pin it needs."""

from __future__ import annotations

from components.catalog.kubernetes import (
    ADDON_VERSIONS,
    CLUSTER_AUTOSCALER_IMAGE_TAGS,
    DEFAULT_VERSION,
    END_OF_STANDARD_SUPPORT,
    END_OF_SUPPORT_TABLE_CHECKED,
    SUPPORTED_VERSIONS,
)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_every_supported_version_has_an_end_of_support_date() -> None:
    # Otherwise settings would accept a version the policy pack always rejects as "not in the table".
    missing = sorted(set(SUPPORTED_VERSIONS) - set(END_OF_STANDARD_SUPPORT))
    assert missing == [], f"add end-of-support dates for {missing}"


def test_every_supported_version_pins_the_same_add_ons() -> None:
    names = {frozenset(pins) for pins in ADDON_VERSIONS.values()}
    assert len(names) == 1, f"add-on sets differ between versions: {ADDON_VERSIONS}"


def test_autoscaler_image_follows_each_supported_minor() -> None:
    assert set(CLUSTER_AUTOSCALER_IMAGE_TAGS) == set(SUPPORTED_VERSIONS)
    for version, tag in CLUSTER_AUTOSCALER_IMAGE_TAGS.items():
        assert tag.startswith(f"v{version}."), f"cluster-autoscaler {tag} does not match Kubernetes {version}"


def test_the_default_is_the_newest_version_still_in_standard_support_when_checked() -> None:
    assert DEFAULT_VERSION == max(SUPPORTED_VERSIONS, key=_key)
    assert END_OF_STANDARD_SUPPORT[DEFAULT_VERSION] > END_OF_SUPPORT_TABLE_CHECKED


def test_kube_proxy_pins_match_their_kubernetes_minor() -> None:
    for version, pins in ADDON_VERSIONS.items():
        assert pins["kube-proxy"].startswith(f"v{version}."), f"kube-proxy {pins['kube-proxy']} on {version}"
