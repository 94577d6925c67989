"""The strict YAML loader: duplicate keys are errors; everything safe_load accepts still loads."""

from __future__ import annotations

import pytest
import yaml

from stacks.yaml_loader import MAX_BYTES, MAX_DEPTH, MAX_VALUES, DuplicateKeyError, LimitError, load_yaml, load_yaml_or_problem


def test_duplicate_key_names_the_key_and_line() -> None:
    with pytest.raises(DuplicateKeyError) as info:
        load_yaml("config:\n  a: 1\n  a: 2\n")
    assert info.value.problem == "duplicate key 'a'" and info.value.problem_mark.line + 1 == 3


def test_nested_duplicate_is_found() -> None:
    with pytest.raises(DuplicateKeyError, match="duplicate key 'gpu'"):
        load_yaml("dev:\n  quota: {gpu: 1, gpu: 2}\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 1]\n",
        "base: &b {x: 1}\nother: *b\n",
        "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n",  # a merge key, then an override: not a duplicate
        "- a\n- a\n",
        "",
    ],
)
def test_valid_documents_load_like_safe_load(text: str) -> None:
    assert load_yaml(text) == yaml.safe_load(text)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']\n")


def _bomb(levels: int, fan_out: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * fan_out) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan_out) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_built() -> None:
    with pytest.raises(LimitError, match=f"expands to more than {MAX_VALUES} values once its aliases are resolved"):
        load_yaml(_bomb(9))


def test_aliases_that_expand_modestly_still_load() -> None:
    doc = load_yaml(_bomb(3))
    assert len(doc["a2"]) == 10 and doc["a2"][0][0] == ["x"] * 10


def test_a_structure_that_contains_itself_is_refused() -> None:
    with pytest.raises(LimitError, match="a structure refers to itself") as info:
        load_yaml("a: 1\nloop: &l [*l]\n")
    assert info.value.problem_mark is not None and info.value.problem_mark.line + 1 == 2


def test_nesting_is_bounded() -> None:
    with pytest.raises(LimitError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_yaml("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2))
    assert load_yaml("[" * 10 + "]" * 10) == [[[[[[[[[[]]]]]]]]]]


def test_size_is_bounded() -> None:
    with pytest.raises(LimitError, match="larger than 1024 KiB"):
        load_yaml("a: '" + "x" * MAX_BYTES + "'\n")


def test_files_that_forbid_aliases_name_the_line() -> None:
    with pytest.raises(LimitError, match=r"anchors and aliases \(&name / \*name\) are not allowed") as info:
        load_yaml("owners: &o [a@example.com]\nother: *o\n", allow_aliases=False)
    assert info.value.problem_mark is not None and info.value.problem_mark.line + 1 == 1
    assert load_yaml("owners: [a@example.com]\n", allow_aliases=False) == {"owners": ["a@example.com"]}


@pytest.mark.parametrize(
    "text,where,message",
    [
        ("a: [\n", "line 2", "malformed YAML"),
        ("a: 1\na: 2\n", "line 2", "duplicate key 'a'"),
        ("x: &x [*x]\n", "line 1", "malformed YAML: a structure refers to itself"),
        ("[" * 5000, "-", "malformed YAML: nested too deeply"),
    ],
)
def test_every_failure_becomes_one_problem(text: str, where: str, message: str) -> None:
    doc, problem = load_yaml_or_problem("f.yaml", text)
    assert doc is None and problem is not None
    assert (problem.file, problem.field) == ("f.yaml", where) and problem.message.startswith(message), problem
