"""Golden files: rendered output is compared with a reviewed copy under tests/golden/.

Regenerate after an intended change with ``MLINFRA_UPDATE_GOLDEN=1 python -m pytest -q tests``
and review the diff of tests/golden/ in the pull request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (embedded config files) as readable literal blocks."""


_Dumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def assert_golden_yaml(relative: str, data: Any) -> None:
    """``data`` dumped as YAML (sorted keys) must equal tests/golden/<relative>."""
    assert_golden_text(relative, yaml.dump(data, Dumper=_Dumper, sort_keys=True, default_flow_style=False))


def assert_golden_text(relative: str, text: str) -> None:
    """``text`` (rendered Markdown, say) must equal tests/golden/<relative> byte for byte."""
    path = GOLDEN_DIR / relative
    if os.environ.get("MLINFRA_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} is missing; create it with MLINFRA_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"rendered output differs from {path}:\n{text}"
