"""The one place templates are rendered: Jinja2 with StrictUndefined, parsed right away.

A missing variable is an error, never an empty string; rendered YAML/JSON is parsed at once
so a template that renders invalid YAML fails here, not in a cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import yaml

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # YAML/JSON, not HTML
)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ENV.filters["tojson"] = lambda v: json.dumps(v, sort_keys=True)


def render_text(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` to text (for files written for people, e.g. team files)."""
    return _ENV.get_template(template).render(**context)


def render(template: str, **context: Any) -> Any:
    """Render ``templates/<template>`` and parse it (``.json.j2`` as JSON, else YAML)."""
    text = render_text(template, **context)
    if template.endswith(".json.j2"):
        return json.loads(text)
    # libyaml's parser when PyYAML has it (the same safe constructor, ~10x faster): the
    # platform renders its Helm values and alert rules on every plan.
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
