"""The TLS-only bucket statement shared by the lake and the state bucket."""

from __future__ import annotations

from components.catalog.s3 import TLS_ONLY_SID, tls_only_statement


def test_tls_only_statement_denies_plain_http_on_bucket_and_objects() -> None:
    statement = tls_only_statement("arn:aws:s3:::b", "arn:aws:s3:::b/*")
    assert statement["Sid"] == TLS_ONLY_SID and statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
