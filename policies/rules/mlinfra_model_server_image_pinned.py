"""Model-server pods run pinned images: a release tag or a digest, never `latest` or no tag."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from components.catalog.model_servers import COMPONENT_LABEL, MODEL_SERVER_COMPONENT, image_pin_problem
from policies.rules._mesh import DEPLOYMENT
from policies.rules._util import get, items

NAME = "mlinfra-model-server-image-pinned"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != DEPLOYMENT:
        return
    template = get(args.props, "spec", "template", default={})
    if get(template, "metadata", "labels", COMPONENT_LABEL) != MODEL_SERVER_COMPONENT:
        return
    for kind in ("initContainers", "containers"):
        for container in items(get(template, "spec", kind)):
            image = get(container, "image", default="")
            problem = image_pin_problem(image) if isinstance(image, str) else None
            if problem:
                report_violation(
                    f"Deployment '{args.name}' container '{get(container, 'name')}': {problem} "
                    "(components/catalog/model_servers.py), so a rollout never changes the server silently.",
                    None,
                )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Model-server Deployments use pinned images (a release tag or @sha256 digest, never latest).",
    validate=validate,
)
