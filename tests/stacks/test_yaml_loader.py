"""The strict YAML loader: duplicate keys are errors; everything safe_load accepts still loads."""

from __future__ import annotations

import pytest
import yaml

from stacks.yaml_loader import DuplicateKeyError, load_yaml


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
