"""The Pulumi program: settings for this stack -> build_platform -> exports."""

import pulumi

from stacks.platform import build_platform
from stacks.settings import settings_from_pulumi

for key, value in build_platform(settings_from_pulumi()).items():
    pulumi.export(key, value)
