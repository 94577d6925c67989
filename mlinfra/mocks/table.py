"""The registration table of the offline engine's resource answers.

Each area registers how the cloud would answer a registration of the types it owns, in its own
module under ``mlinfra/mocks/``: ``@mock_outputs("aws:eks/cluster:Cluster")`` for one type
token, ``@mock_outputs(prefix="aws:iam/")`` for every type under a prefix. An exact token wins
over any prefix, a longer prefix over a shorter one, and a type nobody registered gets the
generic answer (its inputs echoed, a physical name as its ID). Registering the same token or
prefix twice is an error, so two areas cannot silently answer for one type.

This module sits below the area modules and the package (which imports them): the areas
import the decorator from here, never from the package, so no import goes both ways.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"

# A StackReference's outputs as the engine hands them over: plain values, and which are secret.
StackOutputs = tuple[dict[str, Any], list[str]]

# What a registration answers: the resource's ID and its output state.
Answer = tuple[str, dict[str, Any]]


class UnknownInvokeError(Exception):
    """The program called a data source (or read a stack) the offline engine does not answer."""


class DuplicateMockError(ValueError):
    """Two answers registered for the same type token or the same prefix."""


def short_hash(*parts: str, n: int = 8) -> str:
    """The first ``n`` hex digits of a hash of ``parts``: deterministic per resource."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def stable_uuid(*parts: str) -> str:
    """A UUID-shaped ID derived from ``parts``: the same input always gives the same ID."""
    h = short_hash(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class ResourceCall:
    """One registration as an answer sees it, with the facts every answer derives from."""

    type: str
    """The type token, e.g. ``aws:s3/bucketV2:BucketV2``."""
    name: str
    """The resource's logical name."""
    inputs: dict[str, Any]
    """Its inputs (wire names); answers copy this before changing it."""
    region: str
    """Its region: the stack's, or its explicit provider's."""
    account: str
    """The offline account ID."""
    physical: str
    """The physical name the cloud would generate: ``<name>-<hash>``."""
    resource_id: str
    """The default ID: the physical name, or an EC2-style ``vpc-...`` ID for the types that use one."""
    requested_id: str | None = None
    """The ID the program asked to read (``get``/StackReference), if any."""
    stack_references: Mapping[str, StackOutputs] = field(default_factory=dict)
    """Referenced stack name -> that stack's planned outputs (a split environment)."""
    provider_regions: dict[str, str] = field(default_factory=dict)
    """Explicit providers' regions by provider ID; provider answers add to it."""


MockOutputs = Callable[[ResourceCall], Answer]


def generic_answer(call: ResourceCall) -> Answer:
    """The answer for a type nobody registered: its default ID, its inputs as its state."""
    return call.resource_id, {**call.inputs}


class MockTable:
    """Type token or prefix -> the function that answers its registrations."""

    def __init__(self) -> None:
        self._exact: dict[str, MockOutputs] = {}
        self._prefixes: dict[str, MockOutputs] = {}
        self._id_prefixes: dict[str, str] = {}

    def register(self, token: str | None = None, *, prefix: str | None = None) -> Callable[[MockOutputs], MockOutputs]:
        """Decorator: ``fn`` answers registrations of ``token``, or of every type starting with ``prefix``."""
        if (token is None) == (prefix is None):
            raise TypeError("mock_outputs takes exactly one of a type token or prefix=")
        table, key = (self._exact, token) if token is not None else (self._prefixes, prefix)
        assert key is not None

        def decorate(fn: MockOutputs) -> MockOutputs:
            if key in table:
                kind = "type" if table is self._exact else "prefix"
                raise DuplicateMockError(
                    f"mock outputs for {kind} {key!r} registered twice: {_qualname(table[key])} and {_qualname(fn)}"
                )
            table[key] = fn
            return fn

        return decorate

    def register_id_prefixes(self, prefixes: Mapping[str, str]) -> None:
        """EC2-style ID prefixes (``aws:ec2/vpc:Vpc`` -> ``vpc-``), so plans read like the real thing."""
        for token, id_prefix in prefixes.items():
            if token in self._id_prefixes:
                raise DuplicateMockError(f"ID prefix for type {token!r} registered twice")
            self._id_prefixes[token] = id_prefix

    def id_prefix(self, token: str) -> str:
        return self._id_prefixes.get(token, "")

    def lookup(self, token: str) -> MockOutputs:
        """The answer for ``token``: exact token, else the longest matching prefix, else the generic one."""
        exact = self._exact.get(token)
        if exact is not None:
            return exact
        matching = [p for p in self._prefixes if token.startswith(p)]
        return self._prefixes[max(matching, key=len)] if matching else generic_answer

    def tokens(self) -> list[str]:
        """Every registered token and prefix (prefixes end in ``*``), sorted."""
        return sorted([*self._exact, *(f"{p}*" for p in self._prefixes)])


def _qualname(fn: MockOutputs) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


TABLE = MockTable()
"""The engine's table; the modules under ``mlinfra/mocks/`` fill it when the package loads."""

mock_outputs = TABLE.register
register_id_prefixes = TABLE.register_id_prefixes
