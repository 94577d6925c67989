"""What `mlinfra verify` returns: one ``Check`` per property, all of them in a ``VerifyResult``.

Plain data below the check modules (mlinfra/verify.py, mlinfra/verify_kafka.py), so each
imports it and neither imports the other's caller; mlinfra/report.py renders it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class Check:
    resource: str
    check: str
    result: str
    detail: str = ""


@dataclass(frozen=True)
class VerifyResult:
    region: str
    account: str
    checks: list[Check]

    @property
    def failed(self) -> bool:
        return any(c.result == FAIL for c in self.checks)

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed and were skipped."""
        return {k: sum(c.result == k for c in self.checks) for k in (PASS, FAIL, SKIP)}

    def to_json(self) -> list[dict[str, str]]:
        """The checks as plain data, in order (the `--json` output)."""
        return [asdict(c) for c in self.checks]
