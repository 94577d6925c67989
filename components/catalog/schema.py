"""Facts about provider resource types, read from the installed provider SDKs (offline).

Used by tests and policies to decide, for example, whether a type takes `tags`, without a
hand-kept list that would drift from pulumi_aws.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
from functools import cache


@cache
def resource_class(type_token: str) -> type | None:
    """The SDK class of a type token such as ``aws:ec2/vpc:Vpc`` (None if unknown)."""
    try:
        package, module_path, class_name = type_token.split(":")
    except ValueError:
        return None
    module = module_path.split("/")[0]
    if keyword.iskeyword(module):
        module += "_"  # the SDKs suffix Python keywords: aws:lambda/... lives in pulumi_aws.lambda_
    sdk = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "random": "pulumi_random"}.get(package)
    if sdk is None:
        return None
    try:
        mod = importlib.import_module(f"{sdk}.{module}" if module != "index" else sdk)
    except ImportError:
        return None
    return getattr(mod, class_name, None)


@cache
def is_taggable(type_token: str) -> bool:
    """True when the AWS resource type accepts a ``tags`` input."""
    if not type_token.startswith("aws:"):
        return False
    cls = resource_class(type_token)
    if cls is None:
        return False
    init = getattr(cls, "_internal_init", None) or cls.__init__  # type: ignore[misc]
    return "tags" in inspect.signature(init).parameters
