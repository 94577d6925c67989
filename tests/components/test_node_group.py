"""The node group helper: every node group of every stack is hardened the same way."""

from __future__ import annotations

import pytest

from components._node_group import managed_node_group
from mlinfra.engine import Plan

NODE_GROUP, LAUNCH_TEMPLATE = "aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate"


@pytest.mark.parametrize("sizes", [(3, 3, 2), (0, 5, 4), (-1, 0, 1), (0, 0, 0)])
def test_impossible_sizes_are_refused_before_any_resource(sizes: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match="sizes must satisfy 0 <= min <= desired <= max, max >= 1"):
        managed_node_group(
            "ng",
            cluster_name="c",
            node_role_arn="r",
            subnet_ids=[],
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            instance_types=["m6i.large"],
            sizes=sizes,
            launch_template=None,  # type: ignore[arg-type] - refused before use
            labels={},
            tags={},
            parent=None,  # type: ignore[arg-type] - refused before use
        )


def test_every_node_group_uses_a_hardened_template_and_leaves_desired_to_the_autoscaler(any_plan: Plan) -> None:
    templates = {t.urn: t for t in any_plan.of_type(LAUNCH_TEMPLATE)}
    groups = any_plan.of_type(NODE_GROUP)
    assert groups, any_plan.stack
    for group in groups:
        assert group.inputs["updateConfig"] == {"maxUnavailable": 1}, group.name
        (template_urn,) = group.property_dependencies["launchTemplate"]
        template = templates[template_urn]
        assert template.inputs["metadataOptions"]["httpTokens"] == "required", template.name
        assert template.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1, template.name
        (disk,) = template.inputs["blockDeviceMappings"]
        assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3", template.name
