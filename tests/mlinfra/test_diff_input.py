"""mlinfra/diff_input.py: reading offline plans and real previews into states and changes.

Hand-written step lists, as `mlinfra plan --json` and `pulumi preview --json` write them; the
end-to-end cases (real dev/prod plans through `mlinfra diff`) are in test_diff.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlinfra.diff_input import DiffError, offline_plan_stack, plan_states, preview_changes, read_doc, urn_stack

STACK = "urn:pulumi:dev::mlinfra::"
LAKE = f"{STACK}mlinfra:storage:DataLake::data-lake"
BUCKET = f"{STACK}mlinfra:storage:DataLake$aws:s3/bucket:Bucket::data-lake-raw"
KEY = f"{STACK}aws:kms/key:Key::key"
PATH = Path("plan.json")


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_plan_states_read_type_name_parent_and_guards() -> None:
    steps = [
        {
            "op": "create",
            "urn": BUCKET,
            "newState": {
                "type": "aws:s3/bucket:Bucket",
                "parent": LAKE,
                "inputs": {"bucket": "raw"},
                "protect": True,
                "retainOnDelete": True,
            },
        },
        {"op": "create", "urn": KEY, "newState": {}},
    ]
    states = plan_states(PATH, steps)
    bucket, key = states[BUCKET], states[KEY]
    assert (bucket.type, bucket.name, bucket.parent) == ("aws:s3/bucket:Bucket", "data-lake-raw", LAKE)
    assert bucket.inputs == {"bucket": "raw"} and bucket.protect and bucket.retain_on_delete
    # No "type" in the state: the URN's last type segment (after the parent chain) names it.
    assert (key.type, key.name, key.parent, key.protect) == ("aws:kms/key:Key", "key", "", False)


def test_plan_states_refuse_a_step_without_new_state_or_with_bad_inputs() -> None:
    with pytest.raises(DiffError, match=re.escape("plan.json: steps[0] has no newState")):
        plan_states(PATH, [{"op": "create", "urn": KEY}])
    with pytest.raises(DiffError, match=re.escape("plan.json: steps[1].newState.inputs must be an object")):
        plan_states(
            PATH, [{"op": "create", "urn": KEY, "newState": {}}, {"op": "create", "urn": BUCKET, "newState": {"inputs": []}}]
        )


def test_preview_folds_the_steps_of_one_replacement_into_one_change() -> None:
    old = {"inputs": {"bucket": "old"}, "protect": True}
    steps = [
        # The strongest op wins whatever the order of the steps; reasons and protection are merged.
        {"op": "delete-replaced", "urn": BUCKET, "oldState": old},
        {"op": "create-replacement", "urn": BUCKET, "oldState": old, "newState": {}, "replaceReasons": ["bucket"]},
        {"op": "replace", "urn": BUCKET, "oldState": old, "newState": {}, "diffReasons": ["tags"], "replaceReasons": ["bucket"]},
        {"op": "refresh", "urn": KEY},
        {"op": "discard", "urn": KEY.replace("::key", "::old-key"), "oldState": {"retainOnDelete": True}},
    ]
    changes = {c.name: c for c in preview_changes(PATH, steps)}
    assert set(changes) == {"data-lake-raw", "key", "old-key"}
    bucket = changes["data-lake-raw"]
    assert (bucket.op, bucket.keys, bucket.replace_keys, bucket.protect) == ("replace", ("bucket", "tags"), ("bucket",), True)
    assert changes["key"].op == "same" and changes["key"].type == "aws:kms/key:Key"
    assert (changes["old-key"].op, changes["old-key"].retain_on_delete) == ("delete", True)


def test_read_doc_names_the_file_and_the_step(tmp_path: Path) -> None:
    path = write(tmp_path, {"steps": [{"op": "same", "urn": KEY}, {"op": "same", "urn": "aws:s3/bucket:Bucket::b"}]})
    with pytest.raises(DiffError, match=re.escape(f"{path}: steps[1]: not a Pulumi URN: 'aws:s3/bucket:Bucket::b'")):
        read_doc(path)
    path.write_bytes(b'{"steps": ["\xff"]}')
    with pytest.raises(DiffError, match=re.escape(f"{path}: cannot read")):
        read_doc(path)


def test_read_doc_returns_the_checked_document(tmp_path: Path) -> None:
    doc = {"steps": [{"op": "import", "urn": KEY}], "mlinfra": {"kind": "offline-plan", "stack": "dev"}}
    assert read_doc(write(tmp_path, doc)) == doc


@pytest.mark.parametrize(
    ("doc", "stack"),
    [
        ({"mlinfra": {"kind": "offline-plan", "stack": "prod"}}, "prod"),
        ({"mlinfra": {"kind": "offline-plan"}}, ""),
        ({"mlinfra": {"kind": "something-else", "stack": "prod"}}, None),
        ({"mlinfra": "offline-plan"}, None),
        ({"steps": []}, None),
    ],
)
def test_offline_plan_stack_only_from_the_marker(doc: dict[str, Any], stack: str | None) -> None:
    assert offline_plan_stack(doc) == stack


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None])
def test_protect_must_be_a_json_boolean(value: Any) -> None:
    # bool("false") is True: a string must never read as protected.
    steps = [{"op": "create", "urn": BUCKET, "newState": {"protect": value}}]
    with pytest.raises(DiffError, match=re.escape("plan.json: steps[0].newState.protect must be true or false (a JSON boolean)")):
        plan_states(PATH, steps)


def test_urn_stack_reads_the_stack_from_the_steps() -> None:
    assert urn_stack({"steps": [{"op": "create", "urn": BUCKET}]}) == "dev"
    assert urn_stack({"steps": []}) is None


def test_reasons_that_are_not_a_list_read_as_none_not_a_crash(tmp_path) -> None:
    # Found by the fuzz test: `"diffReasons": true` crashed with a TypeError (a traceback, exit 2 as a crash).
    from mlinfra.diff_input import preview_changes

    urn = "urn:pulumi:dev::mlinfra::aws:s3/bucket:Bucket::b"
    changes = preview_changes(
        tmp_path / "p.json", [{"op": "update", "urn": urn, "diffReasons": True, "replaceReasons": ["x", 1]}]
    )
    assert [(c.urn, c.keys, c.replace_keys) for c in changes] == [(urn, ("x",), ("x",))]
