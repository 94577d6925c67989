"""The Pulumi program: settings for this stack -> build_platform -> exports."""

import pulumi

from stacks.loading import settings_from_pulumi
from stacks.platform import build_platform

for key, value in build_platform(settings_from_pulumi()).items():
    pulumi.export(key, value)
