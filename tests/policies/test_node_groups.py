"""Node group and launch template rules."""

from __future__ import annotations

from policies.rules import (
    aws_ec2_launch_template_encrypted_volumes,
    aws_ec2_launch_template_imdsv2,
    aws_eks_gpu_node_group_gpu_taint,
    aws_eks_gpu_node_group_nvidia_ami,
    aws_eks_node_group_instance_type_allowlist,
    aws_eks_node_group_max_size_cap,
)
from tests.policies.support import check_resource

NG = "aws:eks/nodeGroup:NodeGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}


def _gpu_pool(**overrides) -> dict:
    return {
        "instanceTypes": ["g5.xlarge"],
        "amiType": "AL2023_x86_64_NVIDIA",
        "taints": [TAINT],
        "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 0},
        **overrides,
    }


def test_gpu_pool_with_standard_ami_is_a_violation() -> None:
    messages = check_resource(
        aws_eks_gpu_node_group_nvidia_ami.POLICY, NG, _gpu_pool(amiType="AL2023_x86_64_STANDARD"), name="gpu-training"
    )
    assert messages and "gpu-training" in messages[0] and "AL2023_x86_64_STANDARD" in messages[0]


def test_nvidia_ami_passes_and_cpu_pools_are_exempt() -> None:
    assert check_resource(aws_eks_gpu_node_group_nvidia_ami.POLICY, NG, _gpu_pool(amiType="BOTTLEROCKET_x86_64_NVIDIA")) == []
    assert (
        check_resource(
            aws_eks_gpu_node_group_nvidia_ami.POLICY, NG, {"instanceTypes": ["m6i.large"], "amiType": "AL2023_x86_64_STANDARD"}
        )
        == []
    )


def test_gpu_pool_without_the_taint_or_with_the_wrong_effect_is_a_violation() -> None:
    assert check_resource(aws_eks_gpu_node_group_gpu_taint.POLICY, NG, _gpu_pool(taints=[]))
    soft = {**TAINT, "effect": "PREFER_NO_SCHEDULE"}
    messages = check_resource(
        aws_eks_gpu_node_group_gpu_taint.POLICY, NG, _gpu_pool(instanceTypes=["p5.48xlarge"], taints=[soft]), name="h100"
    )
    assert messages and "h100" in messages[0] and "p5.48xlarge" in messages[0]


def test_gpu_pool_with_the_taint_passes() -> None:
    assert check_resource(aws_eks_gpu_node_group_gpu_taint.POLICY, NG, _gpu_pool()) == []


def test_instance_type_outside_the_allowlist_is_a_violation() -> None:
    messages = check_resource(
        aws_eks_node_group_instance_type_allowlist.POLICY,
        NG,
        _gpu_pool(instanceTypes=["g5.xlarge", "p5.48xlarge"]),
        config={"allowedInstanceTypes": ["g5.*"]},
    )
    assert messages and "['p5.48xlarge']" in messages[0]


def test_instance_types_matching_globs_pass() -> None:
    config = {"allowedInstanceTypes": ["m6i.*", "g5.xlarge"]}
    assert (
        check_resource(
            aws_eks_node_group_instance_type_allowlist.POLICY, NG, {"instanceTypes": ["m6i.4xlarge", "g5.xlarge"]}, config=config
        )
        == []
    )


def test_max_size_over_the_gpu_cap_is_a_violation_and_cpu_has_its_own_cap() -> None:
    config = {"maxGpuNodeGroupSize": 4, "maxNodeGroupSize": 20}
    messages = check_resource(
        aws_eks_node_group_max_size_cap.POLICY, NG, _gpu_pool(scalingConfig={"maxSize": 5}), name="gpu-a10g", config=config
    )
    assert messages and "gpu-a10g" in messages[0] and "5 nodes" in messages[0] and "maxGpuNodeGroupSize" in messages[0]
    assert (
        check_resource(
            aws_eks_node_group_max_size_cap.POLICY,
            NG,
            {"instanceTypes": ["m6i.large"], "scalingConfig": {"maxSize": 5}},
            config=config,
        )
        == []
    )


def test_max_size_at_the_cap_passes() -> None:
    assert (
        check_resource(
            aws_eks_node_group_max_size_cap.POLICY, NG, _gpu_pool(scalingConfig={"maxSize": 4}), config={"maxGpuNodeGroupSize": 4}
        )
        == []
    )


def test_launch_template_without_imdsv2_is_a_violation() -> None:
    assert check_resource(aws_ec2_launch_template_imdsv2.POLICY, LT, {"metadataOptions": {"httpTokens": "optional"}})
    assert check_resource(aws_ec2_launch_template_imdsv2.POLICY, LT, {}), "the EC2 default allows IMDSv1"


def test_launch_template_with_imdsv2_passes() -> None:
    assert (
        check_resource(
            aws_ec2_launch_template_imdsv2.POLICY, LT, {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required"}}
        )
        == []
    )


def test_launch_template_unencrypted_or_undeclared_volume_is_a_violation() -> None:
    plain = {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 200}}]}
    messages = check_resource(aws_ec2_launch_template_encrypted_volumes.POLICY, LT, plain, name="gpu-training")
    assert messages and "/dev/xvda" in messages[0]
    assert check_resource(aws_ec2_launch_template_encrypted_volumes.POLICY, LT, {"metadataOptions": {"httpTokens": "required"}})


def test_launch_template_encrypted_volumes_pass() -> None:
    ok = {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 200}}]}
    assert check_resource(aws_ec2_launch_template_encrypted_volumes.POLICY, LT, ok) == []
