"""ConfigError: every problem in the input, each naming the file, the field and what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the fast CLI commands import this module, not pydantic
    from pydantic import ValidationError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one field of one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


def _natural(problem: Problem) -> tuple[object, ...]:
    """Sort key: file, then field with its numbers compared as numbers (``owners[2]`` before
    ``owners[10]``, ``line 9`` before ``line 10``), then message."""

    def split(text: str) -> tuple[tuple[int, int | str], ...]:
        # isdecimal, not isdigit: "¹" is a digit to str.isdigit but not a number to int().
        return tuple((0, int(part)) if part.isdecimal() else (1, part) for part in re.split(r"(\d+)", text) if part)

    return (split(problem.file), split(problem.field), problem.message)


class ConfigError(Exception):
    """Bad input: raised before any resource is registered; the CLI exits 2 on it."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_natural)
        super().__init__("\n".join(str(p) for p in self.problems))


# Pydantic messages that do not show the offending value; the message then ends with it.
_SHOW_INPUT = frozenset(
    {
        "int_parsing",
        "int_type",
        "int_from_float",
        "float_parsing",
        "float_type",
        "bool_parsing",
        "bool_type",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "string_pattern_mismatch",
        "string_too_long",
        "string_too_short",
        "string_type",
    }
)


PROJECT_DIR = Path(__file__).resolve().parent.parent


def display_path(path: Path) -> str:
    """``path`` relative to the project when it is inside it: messages stay short and stable."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def field_path(loc: tuple[object, ...] | list[object]) -> str:
    """A pydantic error location as a field path: ``dev.quota.gpu``, ``owners[0]`` ("" for the root)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def problems_from_validation_error(exc: ValidationError, source: str, *, prefix: str = "") -> list[Problem]:
    """Turn pydantic's errors into Problems with dotted field paths (``mlinfra:a.b[0]``)."""
    problems = []
    errors = exc.errors(include_url=False)
    for err in errors:
        # "at least 1 item after validation, not 0" only echoes the item errors reported below it.
        if err["type"] == "too_short" and any(
            len(other["loc"]) > len(err["loc"]) and other["loc"][: len(err["loc"])] == err["loc"] for other in errors
        ):
            continue
        path = field_path(err["loc"])
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            message = "unknown field; check the spelling against the settings table in the README"
        elif err["type"] in ("literal_error", "enum") and "expected" in err.get("ctx", {}):
            message = f"must be one of {err['ctx']['expected']}, got {err.get('input')!r}"
        elif err["type"] == "missing":
            message = "is required"
        elif err["type"] in _SHOW_INPUT:
            message = f"{message}, got {err.get('input')!r}"
        elif err["type"] in ("tuple_type", "list_type") and isinstance(err.get("input"), str):
            message = f"{message}: write a YAML list, e.g. [{err['input']}]"
        problems.append(Problem(source, f"{prefix}{path}" if path else (prefix.rstrip(":") or "-"), message))
    return problems


def read_config_text(path: Path, source: str, *, not_found: str) -> str:
    """A config file's text, or a ConfigError naming it (``not_found`` says what exists instead)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(source, "-", not_found)]) from None
    except UnicodeDecodeError as exc:  # same wording as the team loader (stacks/teams.py)
        raise ConfigError([Problem(source, "-", f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ConfigError([Problem(source, "-", f"cannot read: {exc.strerror}")]) from None
