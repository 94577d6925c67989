"""Write a trimmed JSON Schema of one Strimzi CRD: only the properties our builders emit.

Not run by the tests. Usage (with a checkout of strimzi/strimzi-kafka-operator at a tag):

    python tests/data/strimzi/trim_crd.py <crd.yaml> <tag> <upstream path> <sample.json>... > tests/data/strimzi/<kind>.schema.json

Every property present in the samples (objects our builders produce) must exist in the
CRD's openAPIV3Schema, or this script fails: that is the check that no field is misspelt.
Kept: type, required, enum, minimum, maximum, pattern, minItems, items, map value types.
Dropped: descriptions, and every property the samples do not use. Objects with listed
properties get ``additionalProperties: false``, so a new or misspelt field in a builder
fails the tests until the schema is regenerated from the CRD.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

KEEP = ("type", "enum", "minimum", "maximum", "pattern", "minItems", "required", "oneOf")


def trim(schema: dict[str, Any], sample: Any, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {k: schema[k] for k in KEEP if k in schema}
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("type", "object")
        return out
    if isinstance(sample, list):
        items = schema.get("items", {})
        merged: dict[str, Any] = {}
        for element in sample:
            merged = _merge(merged, trim(items, element, path + "[]"))
        out["items"] = merged or {k: items[k] for k in KEEP if k in items}
        return out
    if isinstance(sample, dict):
        if "properties" in schema:
            props = {}
            for key, value in sample.items():
                if key not in schema["properties"]:
                    raise SystemExit(f"{path}.{key}: not in the CRD schema")
                props[key] = trim(schema["properties"][key], value, f"{path}.{key}")
            out["properties"] = props
            out["additionalProperties"] = False
        elif "additionalProperties" in schema:
            out["additionalProperties"] = {k: v for k, v in schema["additionalProperties"].items() if k != "description"}
    return out


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if not a:
        return b
    merged = dict(a)
    for key, value in b.items():
        if key == "properties":
            props = dict(a.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge(props.get(name, {}), sub)
            merged["properties"] = props
        elif key == "items":
            merged["items"] = _merge(a.get("items", {}), value)
        else:
            merged[key] = value
    return merged


def main() -> None:
    crd_path, tag, upstream, *samples = sys.argv[1:]
    crd = yaml.safe_load(open(crd_path, encoding="utf-8"))
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    spec_schema = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    trimmed: dict[str, Any] = {}
    for sample in samples:
        obj = json.load(open(sample, encoding="utf-8"))
        trimmed = _merge(trimmed, trim(spec_schema, obj["spec"], "spec"))
    kind = crd["spec"]["names"]["kind"]
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"Trimmed by tests/data/strimzi/trim_crd.py from {upstream} at tag {tag} of "
            "https://github.com/strimzi/strimzi-kafka-operator (served version v1): only the fields mlinfra sets."
        ),
        "title": f"{kind} ({crd['spec']['group']}/v1)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": f"{crd['spec']['group']}/v1"},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name", "namespace"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253},
                    "namespace": {"type": "string"},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "additionalProperties": False,
            },
            "spec": trimmed,
        },
    }
    json.dump(document, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
