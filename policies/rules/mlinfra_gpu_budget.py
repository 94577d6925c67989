"""The GPUs a stack can scale to stay within the environment's GPU budget."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules import _budget
from policies.rules._util import as_int

NAME = "mlinfra-gpu-budget"


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    budget = as_int(args.get_config().get("maxGpus"), 16)
    est = _budget.estimate(args)
    if as_int(est.gpus_max) > budget:
        report_violation(
            f"GPU pools can scale to {as_int(est.gpus_max)} GPUs at max size; the budget is {budget} (maxGpus). "
            "Lower max_size of the GPU pools in the stack file, or raise the budget in policies/config/<env>.json "
            "through a reviewed change.",
            None,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Total GPUs at every pool's max size are within the environment's GPU budget.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={"maxGpus": {"type": "integer", "minimum": 0, "default": 16, "description": "GPU budget at max size."}}
    ),
)
