"""No canned or explicit ACL grants a bucket to everyone or to every AWS account."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import BUCKET, get, items

NAME = "aws-s3-bucket-no-public-acl"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = frozenset(
    {"http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}
)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (BUCKET, BUCKET_ACL):
        return
    acl = get(args.props, "acl")
    if acl in PUBLIC_CANNED_ACLS:
        report_violation(
            f"{args.resource_type} '{args.name}' sets the public ACL {acl!r}; remove it (buckets use "
            "BucketOwnerEnforced ownership and grant access through IAM and bucket policies).",
            None,
        )
    # BucketAcl: accessControlPolicy.grants[].grantee.uri; Bucket (deprecated inline): grants[].uri.
    uris = {get(g, "grantee", "uri") for g in items(get(args.props, "accessControlPolicy", "grants"))}
    uris |= {get(g, "uri") for g in items(get(args.props, "grants"))}
    public = sorted(uris & PUBLIC_GRANTEES)
    if public:
        report_violation(f"{args.resource_type} '{args.name}' grants access to {public}; remove those grants.", None)


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="S3 buckets and bucket ACLs never grant access to AllUsers or AuthenticatedUsers.",
    validate=validate,
)
