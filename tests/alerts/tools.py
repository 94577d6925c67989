"""Where the tests find promtool and amtool: .tools/bin (``.ci/install-promtool``), then PATH.

A missing tool is a test FAILURE with the command that installs it, never a skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / ".tools" / "bin"


def tool(name: str) -> str:
    """Absolute path of ``name`` (promtool, amtool); fails the calling test when it is missing."""
    local = TOOLS_BIN / name
    if local.is_file():
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(f"{name} is not installed: run .ci/install-promtool (it puts promtool and amtool in {TOOLS_BIN})")
