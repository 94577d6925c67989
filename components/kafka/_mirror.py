"""Annotations that tell kubernetes-reflector to keep copies of a Secret in other namespaces.

Pure (no provider SDK): the Strimzi builders (components/kafka/_strimzi.py) and team access
(components/kafka/_access.py) put these on the Secrets Strimzi writes, through Strimzi's own
templates. Why reflector and how it is installed: components/kafka/_team_secrets.py.

Annotation names and semantics from emberstack/kubernetes-reflector at tag v10.0.63 (the pinned
chart): src/ES.Kubernetes.Reflector/Mirroring/Core/Annotations.cs (names) and
MirroringPropertiesExtensions.cs (matching). Facts this module relies on:

- ``reflection-allowed-namespaces`` and ``reflection-auto-namespaces`` are comma-separated
  regular expressions, each matched against the whole namespace name; an EMPTY or missing list
  means EVERY namespace. So a list is never emitted empty, and names are checked to be plain
  DNS labels (no regular-expression characters that could widen the match).
- ``...-namespaces-selector`` is a Kubernetes label selector (since v10.0.38); when only the
  selector is set, only namespaces matching it qualify, and a namespace the controller has not
  cached yet is denied (ResourceMirror.cs, "Fail closed").
- Auto-mirrors carry the source's name, follow every change of the source's ``data``, and are
  deleted when the source goes or no longer selects their namespace (ResourceMirror.cs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PREFIX = "reflector.v1.k8s.emberstack.com"
ALLOWED = f"{PREFIX}/reflection-allowed"
ALLOWED_NAMESPACES = f"{PREFIX}/reflection-allowed-namespaces"
ALLOWED_SELECTOR = f"{PREFIX}/reflection-allowed-namespaces-selector"
AUTO_ENABLED = f"{PREFIX}/reflection-auto-enabled"
AUTO_NAMESPACES = f"{PREFIX}/reflection-auto-namespaces"
AUTO_SELECTOR = f"{PREFIX}/reflection-auto-namespaces-selector"

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def mirror_to_namespaces(names: Iterable[str]) -> dict[str, str]:
    """Copies (same name) in exactly ``names``, kept in step with the source."""
    wanted = sorted(set(names))
    if not wanted:
        # An empty list would mean "every namespace" to reflector.
        raise ValueError("mirror_to_namespaces needs at least one namespace")
    bad = [n for n in wanted if not _DNS_LABEL.fullmatch(n)]
    if bad:
        raise ValueError(f"namespaces must be DNS labels (reflector reads them as regular expressions), got {bad}")
    listed = ",".join(wanted)
    return {ALLOWED: "true", ALLOWED_NAMESPACES: listed, AUTO_ENABLED: "true", AUTO_NAMESPACES: listed}


def mirror_to_labelled(label: str) -> dict[str, str]:
    """Copies (same name) in every namespace that has the label ``label`` (any value), and only there."""
    if not _LABEL_KEY.fullmatch(label):
        raise ValueError(f"label must be a Kubernetes label key, got {label!r}")
    # The selector "<key>" is an existence requirement; no name list, so nothing else qualifies.
    return {ALLOWED: "true", ALLOWED_SELECTOR: label, AUTO_ENABLED: "true", AUTO_SELECTOR: label}
