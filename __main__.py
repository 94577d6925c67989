"""The Pulumi program: settings for this stack -> build_platform -> exports."""

import pulumi

from stacks.loading import settings_from_pulumi
from stacks.platform import build_platform
from stacks.tenants import build_tenants

settings = settings_from_pulumi()
# A tenants stack (mlinfra:tenants_of) holds only the per-team resources of its platform stack.
build = build_tenants if settings.tenants_of else build_platform
for key, value in build(settings).items():
    pulumi.export(key, value)
