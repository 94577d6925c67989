"""The Pulumi property protocol's wire values (protobuf ``Value``) as plain Python.

Secrets come back wrapped in ``Secret``, resource references as URNs, unknown outputs as
``UNKNOWN``, integral numbers as ints and map keys sorted, so recorded inputs compare and print
the same on every run.
"""

from __future__ import annotations

from typing import Any

from mlinfra.plan import Secret

# Wire-format signatures of the Pulumi property protocol.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def from_value(value: Any) -> Any:
    """A wire value (protobuf ``Value``) -> plain Python: secrets wrapped, resource references
    as URNs, integral numbers as ints, map keys sorted.

    The recorder runs once per resource: reading the Struct directly, in one pass, replaced
    json_format.MessageToDict plus a second walk over its result (the plans stayed byte-identical).
    """
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return from_fields(value.struct_value.fields)
    if kind == "list_value":
        return [from_value(v) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def from_fields(fields: Any) -> Any:
    sig_value = fields.get(_SIG_KEY)
    sig = sig_value.string_value if sig_value is not None and sig_value.WhichOneof("kind") == "string_value" else None
    if sig == _SECRET_SIG:
        return Secret(from_value(fields["value"]) if "value" in fields else None)
    if sig == _RESOURCE_SIG:
        return from_value(fields["urn"]) if "urn" in fields else None
    if sig == _OUTPUT_SIG:
        inner = from_value(fields["value"]) if "value" in fields else UNKNOWN
        secret = fields.get("secret")
        return Secret(inner) if secret is not None and from_value(secret) else inner
    return {k: from_value(fields[k]) for k in sorted(fields)}
