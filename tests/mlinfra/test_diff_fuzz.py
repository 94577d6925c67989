"""Fuzzing the diff reader: any JSON (or not-JSON) gives a DiffResult or a DiffError, never another exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlinfra.diff import DiffError, DiffResult, diff_files

URN = "urn:pulumi:dev::mlinfra::aws:s3/bucket:Bucket::b"
KEYS = [
    "steps",
    "op",
    "urn",
    "newState",
    "oldState",
    "inputs",
    "protect",
    "retainOnDelete",
    "type",
    "parent",
    "mlinfra",
    "stack",
    "kind",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(KEYS + [URN, "create", "delete", "replace", "same", "update"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)
steps = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["create", "update", "delete", "replace", "same"]) | scalars, "urn": st.just(URN) | scalars},
        optional={"newState": values, "oldState": values, "diffReasons": values, "replaceReasons": values},
    ),
    max_size=4,
)
documents = st.fixed_dictionaries({"steps": steps}, optional={"mlinfra": values}) | values


def _diff_or_error(tmp_path: Path, base: Any, head: Any) -> None:
    base_path, head_path = tmp_path / "base.json", tmp_path / "head.json"
    base_path.write_text(json.dumps(base), encoding="utf-8")
    head_path.write_text(json.dumps(head) if not isinstance(head, str) else head, encoding="utf-8")
    for args in ((base_path, head_path), (None, head_path)):
        try:
            assert isinstance(diff_files(*args), DiffResult)
        except DiffError as exc:
            assert str(exc), "a DiffError must say what is wrong"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=documents, head=documents)
def test_any_plan_shaped_json_diffs_or_raises_diff_error(tmp_path: Path, base: Any, head: Any) -> None:
    _diff_or_error(tmp_path, base, head)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_any_text_as_head_diffs_or_raises_diff_error(tmp_path: Path, text: str) -> None:
    _diff_or_error(tmp_path, {"steps": []}, text)
