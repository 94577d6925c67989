"""Ctrl-C: one line and exit 130, at once. Standard library only, so `python -m mlinfra` can
install it before its first heavy import (typer, rich, the Pulumi SDK take seconds on a busy
machine, and a Ctrl-C then would print a KeyboardInterrupt traceback)."""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def _interrupted(signum: int, frame: object) -> None:
    # Ctrl-C lands inside the Pulumi runtime's event loop, which then waits on its pending
    # registrations (seen hanging for minutes) or prints asyncio tracebacks. Files are written
    # atomically (mlinfra.console.write_atomically), so stopping here leaves no half-written file.
    sys.stderr.write("mlinfra: interrupted\n")
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def install_interrupt_handler() -> None:
    """Ctrl-C ends any command at once with one line and exit 130."""
    signal.signal(signal.SIGINT, _interrupted)
