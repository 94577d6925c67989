"""MSK in the cost estimate: broker-hours and storage, hand-computed; delivery listed as usage-based."""

from __future__ import annotations

import pytest

from components.catalog.cost import estimate, estimate_plan
from mlinfra.engine import Plan

MSK = "aws:msk/cluster:Cluster"


def _msk(broker_type: str = "kafka.m7g.xlarge", brokers: int = 3, volume: int = 500) -> tuple[str, str, dict]:
    info = {"instanceType": broker_type, "storageInfo": {"ebsStorageInfo": {"volumeSize": volume}}}
    return (MSK, "kafka-msk", {"numberOfBrokerNodes": brokers, "brokerNodeGroupInfo": info})


def test_msk_brokers_and_storage_equal_hand_computed_figures() -> None:
    # 3 x 0.408 x 730 = 893.52 broker-hours; 3 x 500 GB x 0.10 = 150.00 storage.
    (item,) = estimate([_msk()], "us-east-1").items
    assert item.kind == "kafka-brokers" and item.monthly_min == item.monthly_max == pytest.approx(893.52 + 150.00)
    assert "3 x kafka.m7g.xlarge @ $0.408/h" in item.detail and "usage-based" in item.detail


def test_msk_regional_ratio_and_unknown_type() -> None:
    (item,) = estimate([_msk("kafka.m5.large", 2, 100)], "eu-central-1").items
    assert item.monthly_max == pytest.approx(2 * round(0.21 * 1.198, 4) * 730 + 2 * 100 * round(0.10 * 1.198, 4))
    result = estimate([_msk("kafka.x9.huge")], "us-east-1")
    assert result.items == () and "kafka.x9.huge" in result.unpriced[0]


def test_prod_plan_prices_msk_and_lists_delivery(prod_plan: Plan) -> None:
    items = {i.name: i for i in estimate_plan(prod_plan).items}
    assert items["kafka-msk"].monthly_max == pytest.approx(3 * 0.408 * 730 + 3 * 500 * 0.10)
    delivery = items["kafka-recsys-clicks-to-lake"]
    assert (delivery.kind, delivery.monthly_max) == ("delivery", 0.0) and "usage-based" in delivery.detail
