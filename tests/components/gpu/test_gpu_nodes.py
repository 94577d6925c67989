"""GpuNodeGroups, asserted on the recorded offline plans (shipped stacks + one custom pool set)."""

from __future__ import annotations

from typing import Any

import pytest

from components.catalog import tokens
from components.gpu.gpu_nodes import GpuNodeGroupArgs, GpuNodeGroups, GpuNodeGroupsArgs
from mlinfra.engine import Plan, run_program
from stacks.loading import load_settings

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG_TAG = "aws:autoscaling/tag:Tag"
TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}


def pools_of(plan: Plan) -> dict[str, Any]:
    return {r.name.removeprefix("gpu-"): r for r in plan.of_type(NODE_GROUP) if r.name.startswith("gpu-")}


@pytest.mark.parametrize("stack,pools", [("dev", {"gpu"}), ("staging", {"gpu"}), ("prod", {"training", "inference"})])
def test_one_node_group_per_pool(stack: str, pools: set[str], request: pytest.FixtureRequest) -> None:
    plan = request.getfixturevalue(f"{stack}_plan")
    assert set(pools_of(plan)) == pools
    assert set(plan.outputs["gpu_node_groups"]) == pools, "stack output gpu_node_groups names every pool"
    for pool, group in pools_of(plan).items():
        assert plan.outputs["gpu_node_groups"][pool].startswith(f"gpu-{pool}-"), f"{group.name}: output is the nodeGroupName"


def test_every_pool_has_nvidia_ami_taint_and_labels(any_plan: Plan) -> None:
    for pool, group in pools_of(any_plan).items():
        inputs = group.inputs
        assert inputs["amiType"] == "AL2023_x86_64_NVIDIA", group.name
        assert inputs["taints"] == [GPU_TAINT], f"{group.name} must carry the nvidia.com/gpu NoSchedule taint"
        labels = inputs["labels"]
        assert labels["mlinfra.io/gpu-pool"] == pool and labels["accelerator"] == "nvidia", group.name
        assert labels["k8s.amazonaws.com/accelerator"] == f"nvidia-{labels['mlinfra.io/gpu-model']}", group.name
        assert inputs["updateConfig"] == {"maxUnavailable": 1}, group.name


def test_gpu_model_label_follows_the_instance_type(prod_plan: Plan) -> None:
    pools = pools_of(prod_plan)
    assert pools["training"].inputs["labels"]["mlinfra.io/gpu-model"] == "a100"
    assert pools["inference"].inputs["labels"]["mlinfra.io/gpu-model"] == "l4"


def test_scale_from_zero_tags(any_plan: Plan) -> None:
    cluster = any_plan.outputs["cluster_name"]
    for pool, group in pools_of(any_plan).items():
        tags = group.inputs["tags"]
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true", group.name
        assert tags[f"k8s.io/cluster-autoscaler/{cluster}"] == "owned", group.name
        assert tags[f"{TEMPLATE}/taint/nvidia.com/gpu"] == "true:NoSchedule", group.name
        assert tags[f"{TEMPLATE}/label/mlinfra.io/gpu-pool"] == pool, group.name
        assert int(tags[f"{TEMPLATE}/resources/nvidia.com/gpu"]) >= 1, group.name
        assert group.inputs["scalingConfig"]["minSize"] == 0, f"{group.name}: default pools rest at zero"


def test_node_template_tags_reach_the_autoscaling_group(prod_plan: Plan) -> None:
    # EKS does not copy node group tags to the ASG, so each one is an autoscaling Tag.
    for pool, group in pools_of(prod_plan).items():
        template_tags = {k: v for k, v in group.inputs["tags"].items() if k.startswith(TEMPLATE)}
        asg_tags = [t for t in prod_plan.of_type(ASG_TAG) if t.name.startswith(f"gpu-{pool}-asg-")]
        assert {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in asg_tags} == template_tags, pool
        for tag in asg_tags:
            assert tag.inputs["autoscalingGroupName"].startswith(f"eks-gpu-{pool}-"), tag.name
            assert group.urn in tag.property_dependencies["autoscalingGroupName"], f"{tag.name} reads {group.name}'s ASG"
            assert tag.inputs["tag"]["propagateAtLaunch"] is False, tag.name
    gpus = {p: g.inputs["tags"][f"{TEMPLATE}/resources/nvidia.com/gpu"] for p, g in pools_of(prod_plan).items()}
    assert gpus == {"training": "8", "inference": "1"}


def test_only_efa_pools_promise_efa_interfaces_to_the_autoscaler(prod_plan: Plan, custom_plan: Plan) -> None:
    # As many as the launch template attaches (one per EFA card), on the node group and its ASG.
    efa = f"{TEMPLATE}/resources/vpc.amazonaws.com/efa"
    expected = {"training": "4", "inference": None, "h200": "32", "reserved": None}
    for plan in (prod_plan, custom_plan):
        for pool, group in pools_of(plan).items():
            assert group.inputs["tags"].get(efa) == expected[pool], f"{group.name}: EFA node-template tag"
            interfaces = plan.get(LAUNCH_TEMPLATE, group.name).inputs.get("networkInterfaces", [])
            assert len(interfaces) == int(expected[pool] or 0), f"{group.name}: the tag matches the interfaces"
            asg = [t for t in plan.of_type(ASG_TAG) if t.name == f"gpu-{pool}-asg-resources-vpc-amazonaws-com-efa"]
            assert [t.inputs["tag"]["value"] for t in asg] == ([expected[pool]] if expected[pool] else []), pool


def test_launch_templates_require_imdsv2_and_encrypted_gp3(any_plan: Plan) -> None:
    settings = load_settings(any_plan.stack)
    for pool, group in pools_of(any_plan).items():
        template = any_plan.get(LAUNCH_TEMPLATE, group.name)
        meta = template.inputs["metadataOptions"]
        assert meta == {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}, template.name
        (disk,) = template.inputs["blockDeviceMappings"]
        assert disk["deviceName"] == "/dev/xvda", template.name
        assert disk["ebs"]["volumeType"] == "gp3" and disk["ebs"]["encrypted"] == "true", template.name
        assert disk["ebs"]["volumeSize"] == settings.gpu_node_groups[pool].disk_size_gb, template.name
        assert template.urn in group.property_dependencies["launchTemplate"], f"{group.name} uses {template.name}"


def test_pools_sit_in_private_subnets(any_plan: Plan) -> None:
    private = {r.urn for r in any_plan.of_type("aws:ec2/subnet:Subnet") if "-private-" in r.name}
    for group in pools_of(any_plan).values():
        deps = set(group.property_dependencies["subnetIds"])
        assert deps and deps <= private, f"{group.name} uses a non-private subnet"
        assert group.inputs["subnetIds"] == any_plan.outputs["private_subnet_ids"], group.name


def test_prod_training_pool_has_efa_and_inference_does_not(prod_plan: Plan) -> None:
    training = prod_plan.get(LAUNCH_TEMPLATE, "gpu-training")
    interfaces = training.inputs["networkInterfaces"]
    assert [i["networkCardIndex"] for i in interfaces] == [0, 1, 2, 3], f"{training.name}: p4d has 4 EFA cards"
    assert {i["interfaceType"] for i in interfaces} == {"efa"}, training.name
    assert [i["deviceIndex"] for i in interfaces] == [0, 1, 1, 1], training.name
    assert all(i["securityGroups"][0].startswith("sg-") for i in interfaces), training.name
    assert "networkInterfaces" not in prod_plan.get(LAUNCH_TEMPLATE, "gpu-inference").inputs


def test_dev_pool_is_spot(dev_plan: Plan) -> None:
    group = dev_plan.get(NODE_GROUP, "gpu-gpu")
    assert group.inputs["capacityType"] == "SPOT" and group.inputs["instanceTypes"] == ["g5.xlarge"], group.name
    assert group.inputs["scalingConfig"] == {"minSize": 0, "maxSize": 2, "desiredSize": 0}, group.name


# -- a custom pool set: capacity block + Bottlerocket, and an ODCR pool ---------------------
def _custom_pools(_settings: Any) -> dict[str, Any]:
    pools = GpuNodeGroups(
        "gpu",
        GpuNodeGroupsArgs(
            cluster_name="mlinfra-test",
            eks_cluster_name="mlinfra-test",
            cluster_security_group_id="sg-0123456789abcdef0",
            node_role_arn="arn:aws:iam::123456789012:role/node",
            private_subnet_ids=["subnet-a", "subnet-b"],
            pools={
                "h200": GpuNodeGroupArgs(
                    instance_types=("p5e.48xlarge",),
                    max_size=2,
                    capacity_type="CAPACITY_BLOCK",
                    capacity_reservation_id="cr-0123456789abcdef0",
                    ami_type="BOTTLEROCKET_x86_64_NVIDIA",
                    disk_size_gb=1000,
                    efa=True,
                ),
                "reserved": GpuNodeGroupArgs(
                    instance_types=("g6e.xlarge",),
                    max_size=3,
                    desired_size=1,
                    capacity_reservation_id="cr-0fedcba9876543210",
                    labels={"team": "vision"},
                ),
            },
            gpu_replicas=4,
            tags={"environment": "dev", "managed-by": "mlinfra", "cost-center": "x"},
        ),
    )
    return {"names": pools.node_group_names}


@pytest.fixture(scope="module")
def custom_plan() -> Plan:
    return run_program(load_settings("dev"), program=_custom_pools)


def test_capacity_block_pool(custom_plan: Plan) -> None:
    group = custom_plan.get(NODE_GROUP, "gpu-h200")
    template = custom_plan.get(LAUNCH_TEMPLATE, "gpu-h200")
    assert group.inputs["capacityType"] == "CAPACITY_BLOCK", group.name
    assert group.inputs["amiType"] == "BOTTLEROCKET_x86_64_NVIDIA", group.name
    assert template.inputs["instanceMarketOptions"] == {"marketType": "capacity-block"}, template.name
    target = template.inputs["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target == {"capacityReservationId": "cr-0123456789abcdef0"}, template.name
    (disk,) = template.inputs["blockDeviceMappings"]
    assert disk["deviceName"] == "/dev/xvdb", f"{template.name}: Bottlerocket keeps images on its data volume"
    assert len(template.inputs["networkInterfaces"]) == 32, f"{template.name}: p5e has 32 EFA cards"


def test_each_pool_leaves_to_the_gpu_operator_only_what_its_ami_lacks(custom_plan: Plan, prod_plan: Plan) -> None:
    # One driver, one toolkit, one device plugin per node: "false" keeps the operator's copy off.
    deploy = "nvidia.com/gpu.deploy."
    bottlerocket = {"driver": "false", "container-toolkit": "false", "device-plugin": "false"}
    al2023 = {"driver": "false", "container-toolkit": "false"}
    expected = {"h200": bottlerocket, "reserved": al2023, "training": al2023, "inference": al2023}
    for plan in (custom_plan, prod_plan):
        for pool, group in pools_of(plan).items():
            labels = {k.removeprefix(deploy): v for k, v in group.inputs["labels"].items() if k.startswith(deploy)}
            assert labels == expected[pool], f"{group.name} ({group.inputs['amiType']})"
            templated = [k for k in group.inputs["tags"] if k.startswith(f"{TEMPLATE}/label/{deploy}")]
            assert not templated, f"{group.name}: operator labels stay out of the autoscaler's tags"


def test_odcr_pool_keeps_on_demand_and_user_labels(custom_plan: Plan) -> None:
    group = custom_plan.get(NODE_GROUP, "gpu-reserved")
    template = custom_plan.get(LAUNCH_TEMPLATE, "gpu-reserved")
    assert group.inputs["capacityType"] == "ON_DEMAND", group.name
    assert "instanceMarketOptions" not in template.inputs, template.name
    target = template.inputs["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target == {"capacityReservationId": "cr-0fedcba9876543210"}, template.name
    assert group.inputs["labels"]["team"] == "vision", group.name
    assert group.inputs["tags"][f"{TEMPLATE}/label/team"] == "vision", group.name
    assert group.inputs["scalingConfig"]["desiredSize"] == 1, group.name
    assert group.inputs["tags"][f"{TEMPLATE}/resources/nvidia.com/gpu"] == "4", (
        f"{group.name}: 1 GPU time-sliced 4 ways is advertised as 4 nvidia.com/gpu"
    )
    names = custom_plan.outputs["names"]
    assert set(names) == {"h200", "reserved"} and all(names[p].startswith(f"gpu-{p}-") for p in names), names


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"instance_types": ("m6i.large",)}, "'m6i.large' is not a GPU instance type this toolkit knows"),
        ({"instance_types": ("g5.xlarge", "g6.xlarge")}, "instance_types: mixes GPU models"),
        ({"min_size": 3, "max_size": 2}, "min_size: \\(3\\) must be <= max_size \\(2\\)"),
        ({"instance_types": ()}, "instance_types: list at least one GPU instance type"),
        ({"min_size": -1}, "min_size: \\(-1\\) must be >= 0"),
        ({"max_size": 0}, "max_size: \\(0\\) must be >= 1"),
        ({"efa": True}, "g5.xlarge has no EFA interface but efa is true"),
        ({"capacity_type": "CAPACITY_BLOCK"}, "capacity_reservation_id: is required when capacity_type is CAPACITY_BLOCK"),
    ],
)
def test_pool_args_reject_bad_pools(fields: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"instance_types": ("g5.xlarge",), "max_size": 2}
    with pytest.raises(ValueError, match=message):
        GpuNodeGroupArgs(**{**base, **fields})


def test_pool_children_are_parented_to_the_component(prod_plan: Plan) -> None:
    component = prod_plan.get(tokens.GPU_NODE_GROUPS, "gpu")
    children = [r for r in prod_plan.resources if r.parent == component.urn]
    assert {r.type for r in children} == {NODE_GROUP, LAUNCH_TEMPLATE, ASG_TAG}
    assert all(r.name.startswith(("gpu-training", "gpu-inference")) for r in children)
