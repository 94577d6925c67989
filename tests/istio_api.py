"""Validate Istio objects against the Istio API models (``cloudcoil-models-istio``).

The models are generated from Istio's CRD schemas (security/networking/telemetry v1). They
ignore unknown keys, so an object is also dumped back through the model and compared with
the input: a key the API does not know (a typo such as ``perTryTimeOut``) is dropped there and
reported. Used by the builder tests and by the plan tests on every recorded Istio object.
"""

from __future__ import annotations

from typing import Any

import cloudcoil.models.istio.networking.v1 as networking
import cloudcoil.models.istio.security.v1 as security
import cloudcoil.models.istio.telemetry.v1 as telemetry
from pydantic import ValidationError

MODELS: dict[tuple[str, str], Any] = {
    ("security.istio.io/v1", "PeerAuthentication"): security.PeerAuthentication,
    ("security.istio.io/v1", "AuthorizationPolicy"): security.AuthorizationPolicy,
    ("networking.istio.io/v1", "Gateway"): networking.Gateway,
    ("networking.istio.io/v1", "VirtualService"): networking.VirtualService,
    ("networking.istio.io/v1", "DestinationRule"): networking.DestinationRule,
    ("telemetry.istio.io/v1", "Telemetry"): telemetry.Telemetry,
}


def _unknown_keys(sent: Any, kept: Any, path: str = "") -> list[str]:
    """Paths present in ``sent`` but missing from ``kept`` (the model's round trip)."""
    if isinstance(sent, dict):
        kept = kept if isinstance(kept, dict) else {}
        out = []
        for key, value in sent.items():
            where = f"{path}.{key}" if path else str(key)
            out += [where] if key not in kept else _unknown_keys(value, kept[key], where)
        return out
    if isinstance(sent, list):
        kept = kept if isinstance(kept, list) else []
        return [p for i, v in enumerate(sent) for p in _unknown_keys(v, kept[i] if i < len(kept) else None, f"{path}[{i}]")]
    return []


def istio_problems(obj: dict[str, Any]) -> list[str]:
    """Problems of one Istio object (``apiVersion``, ``kind``, ``metadata``, ``spec``); [] when valid."""
    model = MODELS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if model is None:
        return [f"no Istio API model for {obj.get('apiVersion')}/{obj.get('kind')}"]
    try:
        parsed = model.model_validate(obj)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    kept = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return [f"{p}: not a field of {obj['kind']}" for p in _unknown_keys(obj, kept)]


def assert_valid_istio(obj: dict[str, Any], what: str = "") -> None:
    problems = istio_problems(obj)
    assert not problems, f"{what or obj.get('kind')}: invalid Istio object: {problems}"
