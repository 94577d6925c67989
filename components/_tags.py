"""The one spelling of a child's tags: the caller's base tags, extras, and ``Name``."""

from __future__ import annotations

from collections.abc import Mapping


def named_tags(base: Mapping[str, str], name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` + ``extra`` + ``Name: name`` (``Name`` last, so it always names the child)."""
    return {**base, **(extra or {}), "Name": name}
