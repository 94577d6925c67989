"""Progress of long work on a terminal: resources registered, stacks done, time elapsed.

One small API for every long command (`mlinfra plan`, `mlinfra review`)::

    with progress("planning prod", enabled=wants_progress(machine_output=json_to_stdout)) as p:
        plan = engine.plan_stack("prod", on_resource=p.resource_registered)
        p.stack_done("prod")

The display is rich's transient Progress on stderr, so stdout stays the command's output and
the bar disappears when the work ends. It shows only on a terminal: when stdout or stderr is
redirected (CI logs, pipes) or the command writes machine output (``--json -``) nothing
extra is written. Disabled, the tracker still counts, and costs one integer increment per call.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


def stderr_console() -> Console:
    return Console(stderr=True)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def wants_progress(*, machine_output: bool = False, console: Console | None = None) -> bool:
    """Show progress? Only when both stdout and the display's console are terminals and the
    command is not writing machine output (``--json -``) to stdout."""
    if machine_output:
        return False
    console = console or stderr_console()
    return console.is_terminal and _stdout_is_terminal()


class Tracker:
    """Counts resources and stacks; renders them when a rich Progress is attached."""

    def __init__(self, label: str, display: Progress | None = None) -> None:
        self.label = label
        self.resources = 0
        self.stacks: list[str] = []
        self._display = display
        self._task: TaskID | None = None
        self._lock = threading.Lock()  # the engine reports registrations from the mock monitor's threads
        if display is not None:
            self._task = display.add_task(label, total=None, resources=0, stacks="")

    def advance(self, count: int = 1) -> None:
        """``count`` more resources registered."""
        with self._lock:
            self.resources += count
            if self._display is not None and self._task is not None:
                self._display.update(self._task, advance=count, resources=self.resources)

    def resource_registered(self, _resource: Any = None) -> None:
        """The engine's per-resource hook (``plan_stack(on_resource=...)``)."""
        self.advance(1)

    def stack_done(self, stack: str) -> None:
        """A stack finished (review plans several)."""
        with self._lock:
            self.stacks.append(stack)
            if self._display is not None and self._task is not None:
                self._display.update(self._task, stacks=f", stacks done: {', '.join(self.stacks)}")

    def describe(self, label: str) -> None:
        """Change the label (e.g. the stack being planned now)."""
        self.label = label
        if self._display is not None and self._task is not None:
            self._display.update(self._task, description=label)


@contextmanager
def progress(label: str, *, enabled: bool | None = None, console: Console | None = None) -> Iterator[Tracker]:
    """A Tracker for the ``with`` block; displayed when ``enabled`` (default: ``wants_progress()``)."""
    console = console or stderr_console()
    if enabled is None:
        enabled = wants_progress(console=console)
    if not enabled:
        yield Tracker(label)
        return
    display = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[resources]} resources registered{task.fields[stacks]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with display:
        yield Tracker(label, display)
