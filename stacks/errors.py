"""ConfigError: every problem in the input, each naming the file, the field and what is allowed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the fast CLI commands import this module, not pydantic
    from pydantic import ValidationError

# A value the user wrote is echoed in quotes ('...' as Python's repr prints it); a long one
# (a pasted file, a 9,000-character tag) is cut so the message stays one readable line.
ECHO_LIMIT = 60
# A quoted value starts after a space or an opening bracket and ends before a space, a closing
# bracket or punctuation, so the text between two short values is never taken for one.
_QUOTED = re.compile(r"(?:(?<=^)|(?<=[\s(\[{=]))'(?:[^'\\\n]|\\.){" + str(ECHO_LIMIT + 1) + r",}'(?=$|[\s)\]},.;:])")
_FIELD_LIMIT = 120


def shorten_echoes(text: str) -> str:
    """``text`` with every quoted value longer than ECHO_LIMIT cut, saying how long it was."""
    # The cut value is ECHO_LIMIT characters between its quotes, so shortening is idempotent.
    return _QUOTED.sub(lambda m: f"{m.group(0)[: ECHO_LIMIT - 2]}...' ({len(m.group(0)) - 2} characters)", text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one field of one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        # Shortened when shown, not when made: the full value stays in the Problem.
        field = self.field if len(self.field) <= _FIELD_LIMIT else f"{self.field[:_FIELD_LIMIT]}..."
        return f"{self.file}: {field}: {shorten_echoes(self.message)}"


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


# Regular expressions are not messages. Every module that declares a field pattern says what
# it means here (explain_patterns), and messages show that instead of the expression;
# tests/stacks/test_errors.py proves every pattern in the stack-file and team-file models has
# an entry.
PATTERN_MEANS: dict[str, str] = {}
_UNEXPLAINED = "has a form that is not allowed (see the settings table in the README)"


def explain_patterns(means: Mapping[str, str]) -> None:
    """Register what each field pattern means, for messages (``pattern -> "must be ..."``)."""
    PATTERN_MEANS.update(means)


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


def error_field(loc: tuple[object, ...] | list[object]) -> str:
    """The field a pydantic error is about. A map key's error is the key's own path
    (``gpu_node_groups.Bad_Name``, ``data_lake.1``), not pydantic's ``...Bad_Name.[key]``."""
    if loc and loc[-1] == "[key]":
        *parent, key = loc[:-1]
        return f"{field_path(parent)}.{key}" if parent else str(key)
    return field_path(loc)


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
        loc = tuple(err["loc"])
        is_key = bool(loc) and loc[-1] == "[key]"
        path = error_field(loc)
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "string_pattern_mismatch":
            message = f"{PATTERN_MEANS.get(str(err.get('ctx', {}).get('pattern', '')), _UNEXPLAINED)}, got {err.get('input')!r}"
        elif is_key and err["type"] == "string_type":
            message = f"a key here must be a name (text), got {err.get('input')!r}"
        elif err["type"] == "extra_forbidden":
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
