"""The pack's structure: one rule per module, all listed, documented, configurable per environment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from mlinfra.policy import CONFIG_DIR, POLICIES_DIR, REPO_ROOT, load_config, reconcile
from policies.pack import POLICIES, RULE_MODULES

RULE_FILES = sorted(p.stem for p in (POLICIES_DIR / "rules").glob("*.py") if not p.stem.startswith("_"))
ENVIRONMENTS = ("dev", "staging", "prod")


def _readme_table(header: str) -> list[list[str]]:
    """The body rows (cells stripped) of the table in the README's policies section whose header is ``header``."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- section:policies -->", 1)[1].split("<!-- /section:policies -->", 1)[0]
    tables, current = [], []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    found = [rows[2:] for rows in tables if " | ".join(rows[0]) == header]
    assert len(found) == 1, f"README policies section: no single table with header {header!r}"
    return found[0]


def _readme_rows() -> dict[str, list[str]]:
    rows = {}
    for cells in _readme_table("rule | checks | kind | dev | staging | prod"):
        assert re.fullmatch(r"`[a-z0-9-]+`", cells[0]), cells
        assert cells[0].strip("`") not in rows, f"{cells[0]} listed twice"
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def _plain(value):
    """Reconciled config values as written in a file (numbers cross the wire as floats)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return [_plain(v) for v in value] if isinstance(value, list) else value


def test_every_rule_module_is_listed_in_the_pack() -> None:
    assert sorted(RULE_MODULES) == RULE_FILES
    assert len(set(RULE_MODULES)) == len(RULE_MODULES)


def test_rule_names_are_kebab_case_module_names_with_one_line_descriptions() -> None:
    for module, policy in zip(RULE_MODULES, POLICIES, strict=True):
        assert policy.name == module.replace("_", "-"), f"{module}: rule name must be the module name in kebab-case"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name), policy.name
        assert "\n" not in policy.description and policy.description.endswith("."), f"{policy.name}: one-line description"


def test_every_rule_has_tests_that_import_it() -> None:
    here = Path(__file__)
    tests = "\n".join(p.read_text(encoding="utf-8") for p in here.parent.glob("test_*.py") if p != here)
    for module in RULE_MODULES:
        assert re.search(rf"\b{module}\.POLICY\b", tests), f"{module} has no test"


def test_readme_rule_table_lists_every_rule_with_its_levels_per_environment() -> None:
    rows = _readme_rows()
    assert sorted(rows) == sorted(p.name for p in POLICIES), "README policy table and pack differ"
    levels = {env: reconcile(load_config(CONFIG_DIR / f"{env}.json"), source=env) for env in ENVIRONMENTS}
    for policy in POLICIES:
        description, kind, *env_levels = rows[policy.name]
        assert description == policy.description, policy.name
        assert kind == ("stack" if isinstance(policy, StackValidationPolicy) else "resource"), policy.name
        expected = [levels[env][policy.name][0].value for env in ENVIRONMENTS]
        assert env_levels == expected, f"README levels of {policy.name} differ from policies/config/*.json"


def test_readme_values_table_matches_what_the_config_files_set() -> None:
    configs = {env: load_config(CONFIG_DIR / f"{env}.json") for env in ENVIRONMENTS}
    reconciled = {env: reconcile(configs[env], source=env) for env in ENVIRONMENTS}
    expected = {
        (policy, key)
        for config in configs.values()
        for policy, value in config.items()
        if isinstance(value, dict)
        for key in value
        if key != "enforcementLevel"
    }
    rows = _readme_table("rule | setting | dev | staging | prod")
    listed = {(c[0].strip("`"), c[1].strip("`")) for c in rows}
    assert listed == expected, "README values table and policies/config/*.json set different properties"
    for policy_cell, key_cell, *cells in rows:
        policy, key = policy_cell.strip("`"), key_cell.strip("`")
        values = [json.loads(c.strip("`")) for c in cells]
        actual = [_plain(reconciled[env][policy][1][key]) for env in ENVIRONMENTS]
        assert values == actual, f"README value of {policy}.{key} differs from policies/config/*.json"


def test_readme_shows_the_real_preview_command() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "pulumi preview --stack prod --policy-pack policies --policy-pack-config policies/config/prod.json" in text


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_config_files_are_valid_for_the_pack(env: str) -> None:
    raw = json.loads((CONFIG_DIR / f"{env}.json").read_text(encoding="utf-8"))
    assert raw.get("all") == "mandatory", "security rules are mandatory everywhere; exceptions are listed by name"
    reconciled = reconcile(raw, source=env)
    assert set(reconciled) == {p.name for p in POLICIES}


def test_cost_and_tag_rules_are_advisory_in_dev_and_mandatory_in_prod() -> None:
    dev = reconcile(load_config(CONFIG_DIR / "dev.json"), source="dev")
    prod = reconcile(load_config(CONFIG_DIR / "prod.json"), source="prod")
    for name in ("mlinfra-required-tags", "mlinfra-monthly-cost-budget", "mlinfra-gpu-budget"):
        assert dev[name][0] == EnforcementLevel.ADVISORY, name
        assert prod[name][0] == EnforcementLevel.MANDATORY, name
    assert all(level == EnforcementLevel.MANDATORY for level, _ in prod.values()), "prod enforces every rule"


def test_pulumi_policy_yaml_declares_a_python_runtime_with_its_own_virtualenv() -> None:
    doc = yaml.safe_load((POLICIES_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert doc["runtime"]["name"] == "python"
    assert doc["runtime"]["options"]["virtualenv"] == "venv"
    reqs = (POLICIES_DIR / "requirements.txt").read_text(encoding="utf-8")
    for package in ("pulumi-policy", "pulumi-aws"):
        assert re.search(rf"^{package}\b", reqs, re.M), f"policies/requirements.txt lacks {package}"


def test_pack_imports_nothing_beyond_its_own_requirements() -> None:
    # The real pack runs in policies/venv (pulumi, pulumi-policy, pulumi-aws only) with the repo
    # root on sys.path: the rules and the facts they import (components.catalog) must not pull in
    # the toolkit's own dependencies.
    code = (
        "import sys, policies.pack, components.catalog.cost\n"
        "from components.catalog.schema import is_taggable\n"
        "assert is_taggable('aws:s3/bucket:Bucket')\n"
        "print(sorted(m.split('.')[0] for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.replace("'", '"')))
    toolkit_only = {"pydantic", "typer", "jinja2", "rich", "jsonschema", "boto3", "botocore", "moto", "click"}
    assert loaded & toolkit_only == set(), "add these to policies/requirements.txt or stop importing them"


def test_policy_pack_is_constructed_only_in_main() -> None:
    constructing = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in list(POLICIES_DIR.rglob("*.py")) + list((REPO_ROOT / "mlinfra").rglob("*.py"))
        if "venv" not in p.parts and re.search(r"\bPolicyPack\(", p.read_text(encoding="utf-8"))
    ]
    assert constructing == ["policies/__main__.py"]
    main = (POLICIES_DIR / "__main__.py").read_text(encoding="utf-8")
    assert "sys.path.insert(0, str(Path(__file__).resolve().parent.parent))" in main, "the repo root must be importable"
