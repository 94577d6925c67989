"""Lazy public faces for the area subpackages.

An area's ``__init__`` names its component classes, but those modules import the provider SDKs
(seconds); the settings import only the area's pure modules, and `mlinfra team list` must stay
fast. So each name loads its module on first use (PEP 562 module ``__getattr__``); the area's
``TYPE_CHECKING`` imports give type checkers (and the import graph) the same names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, module_of: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from ``package.<module_of[name]>``."""

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
