"""The offline plan engine: run the real program under recording mocks and return a Plan.

No Pulumi CLI, provider plugin or cloud account is involved. The Pulumi SDK's mock monitor
is extended to record what the real engine would see for every registration: type, name,
parent, inputs (wire names), dependencies, provider, protect and retainOnDelete.
The tests use the same engine, so the tests and `mlinfra plan` see the same plan.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as runtime_settings

from mlinfra.mocks import PlatformMocks, UnknownInvokeError, stable_uuid
from stacks.settings import Settings

PROJECT = "mlinfra"

# Wire-format signatures of the Pulumi property protocol.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class EngineError(Exception):
    """The program failed under the offline engine (a bug, or an invoke the mocks do not know)."""


@dataclass(frozen=True)
class Secret:
    """A secret input value: visible to policies, printed as "[secret]" everywhere else."""

    value: Any


@dataclass(frozen=True)
class PlannedResource:
    """One registration, as the real engine would record it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False

    def plain_inputs(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (what a policy sees)."""
        return unwrap_secrets(self.inputs)

    def to_state(self) -> dict[str, Any]:
        """The ``newState`` object of a `pulumi preview --json` step."""
        state: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "custom": self.custom,
            "inputs": redact_secrets(self.inputs),
            "parent": self.parent,
            "dependencies": sorted(self.dependencies),
            "propertyDependencies": {k: sorted(v) for k, v in sorted(self.property_dependencies.items())},
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
        }
        if self.provider:
            state["provider"] = self.provider
        return state


@dataclass
class Plan:
    """Every resource the program registers, sorted by URN, plus the stack outputs."""

    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    diagnostics: list[dict[str, str]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    """Sections other tools add to the JSON (``cost``, ``policy``...)."""

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{self.stack}"

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def get(self, type_: str, name: str) -> PlannedResource:
        for r in self.resources:
            if r.type == type_ and r.name == name:
                return r
        raise KeyError(f"no {type_} named {name!r} in the plan of stack {self.stack}")

    def by_urn(self, urn: str) -> PlannedResource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def ancestors(self, resource: PlannedResource) -> list[PlannedResource]:
        chain, parent = [], self.by_urn(resource.parent)
        while parent is not None:
            chain.append(parent)
            parent = self.by_urn(parent.parent)
        return chain

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))

    def to_preview_json(self) -> dict[str, Any]:
        """The plan in the shape of `pulumi preview --json`, deterministic byte for byte."""
        steps = [{"op": "create", "urn": r.urn, "newState": r.to_state()} for r in self.resources]
        doc: dict[str, Any] = {
            "steps": steps,
            "changeSummary": {"create": len(steps)},
            "diagnostics": self.diagnostics,
            "outputs": redact_secrets(self.outputs),
            # Tells tools (mlinfra diff) this is an offline plan, not a real preview.
            "mlinfra": {"kind": "offline-plan", "stack": self.stack},
        }
        doc.update(self.extras)
        return doc

    def dumps(self) -> str:
        return json.dumps(self.to_preview_json(), indent=2, sort_keys=True) + "\n"


def unwrap_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return unwrap_secrets(value.value)
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def redact_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return "[secret]"
    if isinstance(value, dict):
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v) for v in value]
    return value


def _from_value(value: Any) -> Any:
    """A wire value (protobuf ``Value``) -> plain Python: secrets wrapped, resource references
    as URNs, integral numbers as ints, map keys sorted.

    The recorder runs once per resource: reading the Struct directly, in one pass, replaced
    json_format.MessageToDict plus a second walk over its result (the plans stayed byte-identical).
    """
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _from_fields(value.struct_value.fields)
    if kind == "list_value":
        return [_from_value(v) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def _from_fields(fields: Any) -> Any:
    sig_value = fields.get(_SIG_KEY)
    sig = sig_value.string_value if sig_value is not None and sig_value.WhichOneof("kind") == "string_value" else None
    if sig == _SECRET_SIG:
        return Secret(_from_value(fields["value"]) if "value" in fields else None)
    if sig == _RESOURCE_SIG:
        return _from_value(fields["urn"]) if "urn" in fields else None
    if sig == _OUTPUT_SIG:
        inner = _from_value(fields["value"]) if "value" in fields else UNKNOWN
        secret = fields.get("secret")
        return Secret(inner) if secret is not None and _from_value(secret) else inner
    return {k: _from_value(fields[k]) for k in sorted(fields)}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, plus a record of every registration request."""

    def __init__(self, mocks: pulumi_mocks.Mocks, on_record: Callable[[PlannedResource], None] | None = None):
        super().__init__(mocks)
        self.records: dict[str, PlannedResource] = {}
        self.on_record = on_record

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # Real URNs qualify a child's type with its ancestors' types, but not the root stack's.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        record = self.records[response.urn] = PlannedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=_from_fields(request.object.fields),
            dependencies=tuple(sorted(set(request.dependencies))),
            property_dependencies={key: tuple(sorted(set(deps.urns))) for key, deps in request.propertyDependencies.items()},
            provider=request.provider,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
        )
        if self.on_record is not None:
            self.on_record(record)
        return response


class _DiagnosticsHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.entries: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append({"severity": record.levelname.lower(), "message": record.getMessage()})


def config_strings(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file values as the Pulumi engine hands them to programs: strings, objects as JSON."""
    out = {}
    for key, value in config.items():
        if isinstance(value, (dict, list)):
            out[key] = json.dumps(value, sort_keys=True)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


Program = Callable[[Settings], Mapping[str, Any]]

# Young-generation size and older-generation ratios while a program runs (CPython's defaults: 700, 10, 10).
_GC_THRESHOLDS = (20_000, 20, 20)


@contextlib.contextmanager
def _fewer_gc_scans() -> Iterator[None]:
    """Spare the plan most of CPython's cyclic-GC scans (about a fifth of its CPU time).

    The imported SDKs and the settings are ~1M long-lived objects and a plan adds hundreds of
    thousands more (resources, outputs, futures), so every collection of the older generations
    walks them all again. Freezing what exists before the run moves it out of the collector's
    sight, and a larger young generation collects less often; both are undone afterwards
    (https://docs.python.org/3/library/gc.html#gc.freeze). Measured: bench/plan_scale.py and
    the README, section Performance.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_program(
    settings: Settings,
    *,
    config: Mapping[str, Any] | None = None,
    program: Program | None = None,
    stack_references: Mapping[str, Mapping[str, Any]] | None = None,
    on_resource: Callable[[PlannedResource], None] | None = None,
) -> Plan:
    """Run ``program`` (default: ``build_platform``, or ``build_tenants`` for a tenants stack)
    under recording mocks; ``stack_references`` maps a referenced stack's name to its planned
    outputs; ``on_resource`` is called with each registration as it is recorded (progress displays)."""
    if program is None:
        from stacks.platform import build_platform
        from stacks.tenants import build_tenants

        program = build_tenants if settings.tenants_of else build_platform
    references = {
        name: (unwrap_secrets(dict(outputs)), [k for k, v in outputs.items() if isinstance(v, Secret)])
        for name, outputs in (stack_references or {}).items()
    }
    mocks = PlatformMocks(region=settings.region, stack_references=references)
    monitor = RecordingMonitor(mocks, on_resource)
    logger = logging.getLogger(f"mlinfra.engine.{settings.stack}")
    logger.propagate = False
    handler = _DiagnosticsHandler()
    logger.handlers = [handler]

    # A fresh root per run: otherwise the previous run's stack resource leaks into this one.
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=settings.stack, preview=False, logger=logger, monitor=monitor)
    pulumi.runtime.set_all_config(config_strings(config or {}), [])

    captured: dict[str, Any] = {}
    secret_keys: set[str] = set()

    async def _capture(key: str, output: pulumi.Output[Any]) -> None:
        captured[key] = await output.future()
        if await output.is_secret():
            secret_keys.add(key)

    @pulumi.runtime.test
    def _run() -> pulumi.Output[Any]:
        outputs = {k: pulumi.Output.from_input(v) for k, v in program(settings).items()}
        waits: list[pulumi.Output[None]] = [
            pulumi.Output.from_input(asyncio.ensure_future(_capture(k, o))) for k, o in outputs.items()
        ]
        return pulumi.Output.all(*waits)

    try:
        with _fewer_gc_scans():
            _run()
    except UnknownInvokeError as exc:
        raise EngineError(str(exc)) from None

    resolved = {k: Secret(v) if k in secret_keys else v for k, v in sorted(captured.items())}
    records = _with_default_providers(list(monitor.records.values()), settings)
    resources = sorted(records, key=lambda r: r.urn)
    return Plan(stack=settings.stack, resources=resources, outputs=resolved, diagnostics=handler.entries)


# Provider packages whose default provider the real engine registers on first use.
_SDK_DISTRIBUTIONS = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "random": "pulumi_random"}


def _with_default_providers(records: list[PlannedResource], settings: Settings) -> list[PlannedResource]:
    """Add the default providers the real engine creates, and point resources at them.

    The SDK leaves default providers to the engine, so the mock monitor never sees them; the
    real `pulumi preview` shows one ``default_<version>`` provider per package and every
    custom resource without an explicit provider references it.
    """
    from importlib.metadata import version

    providers: dict[str, PlannedResource] = {}
    out = []
    for record in records:
        package = record.type.split(":")[0]
        if record.custom and not record.provider and not record.type.startswith("pulumi:providers:"):
            if package not in providers:
                ver = version(_SDK_DISTRIBUTIONS.get(package, f"pulumi_{package}"))
                name = f"default_{ver.replace('.', '_')}"
                inputs: dict[str, Any] = {"version": ver}
                if package == "aws":
                    inputs["region"] = settings.region
                providers[package] = PlannedResource(
                    urn=f"urn:pulumi:{settings.stack}::{PROJECT}::pulumi:providers:{package}::{name}",
                    type=f"pulumi:providers:{package}",
                    name=name,
                    parent="",
                    custom=True,
                    inputs=inputs,
                )
            default = providers[package]
            record = dataclasses.replace(record, provider=f"{default.urn}::{stable_uuid(default.urn)}")  # real IDs are random
        out.append(record)
    return out + list(providers.values())


def plan_stack(
    stack: str,
    *,
    stack_file: Path | None = None,
    teams_dir: Path | None = None,
    on_resource: Callable[[PlannedResource], None] | None = None,
) -> Plan:
    """Load and validate the stack's settings and team files (ConfigError on bad input), then plan it.

    ``on_resource``: called once per registered resource (mlinfra/progress.py counts them)."""
    from stacks.loading import load_settings_and_config

    settings, config = load_settings_and_config(stack, stack_file=stack_file, teams_dir=teams_dir)
    if settings.tenants_of:
        # A tenants stack reads its platform stack's outputs: plan that stack first (mlinfra/split.py).
        from mlinfra.split import platform_outputs_for

        return run_program(
            settings,
            config=config,
            stack_references=platform_outputs_for(settings, teams_dir=teams_dir),
            on_resource=on_resource,
        )
    return run_program(settings, config=config, on_resource=on_resource)
