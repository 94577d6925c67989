"""The Pulumi SDK floor: a recorded plan's resources registered again with no mlinfra code.

Each resource of the plan (type, name, inputs, parent, dependencies, provider, protect,
retainOnDelete) goes through the same pulumi_aws / pulumi_kubernetes / pulumi_random class
the program used, under do-nothing mocks; component resources become plain
``pulumi.ComponentResource`` objects with the same type token. What the SDK needs for that is
the least any program registering these resources can cost, so ``plan time / floor time``
is mlinfra's overhead (bench/plan_scale.py).

The plan reaches this module as plain JSON (``floor_records``), so a replay process imports
nothing of mlinfra. Type tokens map to classes through the providers' own registrations
(each SDK's ``_utilities.register`` fills pulumi's resource-module registry at import time,
https://github.com/pulumi/pulumi/blob/v3.272.0/sdk/python/lib/pulumi/runtime/rpc.py), and
Kubernetes custom resources without a class go through ``apiextensions.CustomResource``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_KEY = "__floor_secret__"
# Default providers are added by the engine after the run (the SDK leaves them to the Pulumi
# engine), so the program never registered them and the replay does not either.
DEFAULT_PROVIDER_PREFIX = "default_"


def floor_records(plan: Any) -> list[dict[str, Any]]:
    """The plan's resources as JSON-ready dicts (secrets marked), in registration order.

    ``plan`` is an mlinfra.engine.Plan; only its attributes are read, so the replay side
    needs no mlinfra import.
    """
    return [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "inputs": _mark_secrets(r.inputs),
            "dependencies": list(r.dependencies),
            "property_dependencies": {k: list(v) for k, v in r.property_dependencies.items()},
            "provider": r.provider,
            "protect": r.protect,
            "retain_on_delete": r.retain_on_delete,
        }
        for r in plan.resources
    ]


def _mark_secrets(value: Any) -> Any:
    if type(value).__name__ == "Secret" and hasattr(value, "value"):
        return {SECRET_KEY: _mark_secrets(value.value)}
    if isinstance(value, dict):
        return {k: _mark_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_secrets(v) for v in value]
    return value


def registration_order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parents, providers and dependencies before the resources that name them (stable)."""
    by_urn = {r["urn"]: r for r in records}
    done: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def needs(r: dict[str, Any]) -> list[str]:
        urns = [r["parent"], r["provider"].split("::")[0] if r["provider"] else ""]
        urns += r["dependencies"]
        for deps in r["property_dependencies"].values():
            urns += deps
        return [u for u in urns if u in by_urn and u != r["urn"]]

    for record in records:
        stack = [(record, iter(needs(record)))]
        if record["urn"] in done:
            continue
        done.add(record["urn"])
        while stack:
            current, pending = stack[-1]
            nxt = next((u for u in pending if u not in done), None)
            if nxt is None:
                ordered.append(current)
                stack.pop()
            else:
                done.add(nxt)
                stack.append((by_urn[nxt], iter(needs(by_urn[nxt]))))
    return ordered


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class _ClassTable:
    """Type token -> (class, wire name -> Python keyword) through the providers' registrations."""

    def __init__(self) -> None:
        self._classes: dict[str, tuple[Any, dict[str, str]]] = {}

    def lookup(self, type_: str) -> tuple[Any, dict[str, str]]:
        found = self._classes.get(type_)
        if found is None:
            found = self._classes[type_] = self._find(type_)
        return found

    def _find(self, type_: str) -> tuple[Any, dict[str, str]]:
        from pulumi.runtime import rpc

        pkg, _, rest = type_.partition(":")
        if pkg == "pulumi" and rest.startswith("providers:"):
            package = rest.split(":", 1)[1]
            importlib.import_module(f"pulumi_{package}")
            info = rpc._RESOURCE_PACKAGES[package][0].pkg_info  # type: ignore[attr-defined]
            cls = getattr(importlib.import_module(info["fqn"]), info["class"])
        else:
            importlib.import_module(f"pulumi_{pkg}")
            mod, _, _kind = rest.rpartition(":")
            modules = rpc._RESOURCE_MODULES.get(f"{pkg}:{mod}", [])
            cls = None
            for module in modules:
                class_name = module.mod_info["classes"].get(type_)  # type: ignore[attr-defined]
                if class_name is not None:
                    cls = getattr(importlib.import_module(module.mod_info["fqn"]), class_name)  # type: ignore[attr-defined]
                    break
            if cls is None:
                if pkg != "kubernetes":
                    raise KeyError(f"no class registered for {type_}")
                from pulumi_kubernetes.apiextensions import CustomResource

                return CustomResource, {"apiVersion": "api_version", "kind": "kind", "metadata": "metadata", "spec": "spec"}
        return cls, _keywords(cls)


def _keywords(cls: Any) -> dict[str, str]:
    """Wire name -> keyword of ``cls.__init__`` (the Args type's own names where it has one)."""
    from pulumi import _types

    names: dict[str, str] = {}
    args_cls = vars(inspect.getmodule(cls)).get(f"{cls.__name__}Args") or vars(inspect.getmodule(cls)).get(
        f"{cls.__name__}InitArgs"
    )
    if args_cls is not None:
        try:
            names = {wire: py for py, wire in _types.input_type_py_to_pulumi_names(args_cls).items()}
        except Exception:  # noqa: BLE001 - not an input type: fall back to the signature
            names = {}
    for param in inspect.signature(cls._internal_init).parameters:
        camel = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), param)
        names.setdefault(camel, param)
    return names


class DoNothingMocks:
    """Mocks that answer every registration (components too) with its inputs and note it."""

    def __init__(self, keep_inputs: bool = False) -> None:
        self.registered: list[tuple[str, str]] = []
        self.inputs: dict[tuple[str, str], dict[str, Any]] = {}
        self._keep_inputs = keep_inputs

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        self.registered.append((args.typ, args.name))
        if self._keep_inputs:  # for the tests only: the benchmark keeps nothing
            self.inputs[(args.typ, args.name)] = dict(args.inputs)
        return f"{args.name}-id", args.inputs

    def call(self, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def replay(
    records: Iterable[Mapping[str, Any]], *, stack: str = "floor", project: str = "mlinfra", mocks: DoNothingMocks | None = None
) -> list[tuple[str, str]]:
    """Register ``records`` through the SDK under do-nothing mocks; the (type, name) registered."""
    import pulumi
    from pulumi.runtime import settings as runtime_settings

    ordered = registration_order([dict(r) for r in records])
    table = _ClassTable()
    mocks = mocks or DoNothingMocks()
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)  # type: ignore[arg-type]

    def value(v: Any) -> Any:
        if isinstance(v, dict):
            if SECRET_KEY in v and len(v) == 1:
                return pulumi.Output.secret(value(v[SECRET_KEY]))
            return {k: value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    @pulumi.runtime.test
    def _run() -> None:
        objects: dict[str, Any] = {}
        for r in ordered:
            if r["type"].startswith("pulumi:providers:") and r["name"].startswith(DEFAULT_PROVIDER_PREFIX):
                continue
            provider_urn = r["provider"].split("::")[0] if r["provider"] else ""
            deps = sorted({*r["dependencies"], *(u for us in r["property_dependencies"].values() for u in us)})
            opts = pulumi.ResourceOptions(
                parent=objects.get(r["parent"]),
                provider=objects.get(provider_urn),
                depends_on=[objects[u] for u in deps if u in objects],
                protect=r["protect"] or None,
                retain_on_delete=r["retain_on_delete"] or None,
            )
            if not r["custom"]:
                objects[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], None, opts)
                continue
            cls, keywords = table.lookup(r["type"])
            kwargs = {keywords.get(k, _CAMEL.sub("_", k).lower()): value(v) for k, v in r["inputs"].items()}
            objects[r["urn"]] = cls(r["name"], opts=opts, **kwargs)

    _run()
    return list(mocks.registered)
