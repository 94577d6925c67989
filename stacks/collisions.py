"""Resource names joined from two team-file values must not meet: ``a`` + ``b-c`` and ``a-b`` + ``c``.

Per-team resources are named ``<prefix>-<team>-<part>`` (``serving-<team>-<endpoint>``,
``kafka-<team>-<topic>-to-lake``). Two files can spell the same name with different teams, and
then one resource would silently take the other's place; both files are named instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from stacks.errors import Problem


def joined_name_collisions(items: Iterable[tuple[str, str, str, str]], what: str) -> list[Problem]:
    """``items``: (file, field, team, part). A problem on each side of every two that join alike."""
    seen: dict[str, tuple[str, str, str, str]] = {}
    problems = []
    for item in items:
        file, field, team, part = item
        joined = f"{team}-{part}"
        first = seen.setdefault(joined, item)
        if first is item or first[2] == team:
            continue
        for (f1, fd1, t1, _), (f2, fd2, t2, _) in ((item, first), (first, item)):
            problems.append(
                Problem(
                    f1,
                    fd1,
                    f"team {t1}'s {what} and team {t2}'s {fd2} ({f2}) both make the resource name "
                    f"'{joined}': one would replace the other; rename one of them",
                )
            )
    return problems
