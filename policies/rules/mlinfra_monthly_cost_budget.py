"""What a stack can cost per month at max size stays within the environment's budget."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules import _budget

NAME = "mlinfra-monthly-cost-budget"


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    budget = float(args.get_config().get("maxMonthlyCostUsd", 50000))
    est = _budget.estimate(args)
    unpriced = list(getattr(est, "unpriced", ()) or ())
    if unpriced:
        # Fail closed: an unpriced pool would make any budget check meaningless.
        report_violation(
            f"the cost model cannot price {unpriced}; add the instance type's price to components/catalog/gpu.py "
            "or use a priced type.",
            None,
        )
    if float(est.monthly_max) > budget:
        report_violation(
            f"the stack can cost ${float(est.monthly_max):,.0f}/month at max size (estimate "
            f"${float(est.monthly_min):,.0f}-${float(est.monthly_max):,.0f}); the budget is ${budget:,.0f} "
            "(maxMonthlyCostUsd). Lower pool max sizes or instance sizes, or raise the budget through a reviewed change.",
            None,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="The estimated monthly cost at max size is within the environment's budget.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "maxMonthlyCostUsd": {
                "type": "number",
                "minimum": 0,
                "default": 50000,
                "description": "Monthly budget in USD for the stack at max size (on-demand list prices).",
            }
        }
    ),
)
