"""Running the real program under recording mocks: one fresh Pulumi runtime per run."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings

from mlinfra.default_providers import with_default_providers
from mlinfra.mocks import PlatformMocks, UnknownInvokeError
from mlinfra.plan import PROJECT, Plan, PlannedResource, Secret, unwrap_secrets
from mlinfra.recorder import DiagnosticsHandler, RecordingMonitor
from stacks.settings import Settings


class EngineError(Exception):
    """The program failed under the offline engine (a bug, or an invoke the mocks do not know)."""


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


def _start_runtime(stack: str, mocks: PlatformMocks, monitor: RecordingMonitor, config: Mapping[str, Any]) -> DiagnosticsHandler:
    """A fresh Pulumi runtime under ``mocks``; the handler collects the program's diagnostics."""
    logger = logging.getLogger(f"mlinfra.engine.{stack}")
    logger.propagate = False
    handler = DiagnosticsHandler()
    logger.handlers = [handler]
    # A fresh root per run: otherwise the previous run's stack resource leaks into this one.
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, logger=logger, monitor=monitor)
    pulumi.runtime.set_all_config(config_strings(config), [])
    return handler


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
    handler = _start_runtime(settings.stack, mocks, monitor, config or {})
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

    if monitor.duplicates:
        # The offline record would keep one of the two silently; a real `pulumi up` stops with
        # "Duplicate resource URN". Either way one of them is lost: refuse the plan.
        shown = ", ".join(sorted(set(monitor.duplicates))[:5])
        raise EngineError(f"two resources share one URN (type and name under the same parent), rename one: {shown}")
    resolved = {k: Secret(v) if k in secret_keys else v for k, v in sorted(captured.items())}
    records = with_default_providers(list(monitor.records.values()), settings)
    resources = sorted(records, key=lambda r: r.urn)
    return Plan(stack=settings.stack, resources=resources, outputs=resolved, diagnostics=handler.entries)
