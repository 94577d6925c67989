"""A read-only Kubernetes API reader for `mlinfra verify`, reaching EKS with the caller's AWS identity.

No Kubernetes client library: three GETs (a Deployment, a VirtualService, a Secret) do not
justify one. The cluster's endpoint and CA come from ``eks:DescribeCluster``; the bearer token is
the one `aws eks get-token` prints: a presigned STS ``GetCallerIdentity`` URL bound to the
cluster by the ``x-k8s-aws-id`` header, base64url-encoded behind ``k8s-aws-v1.``
(https://github.com/kubernetes-sigs/aws-iam-authenticator#api-authorization-from-outside-a-cluster).
The caller needs an EKS access entry that may read these objects.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any, Protocol

from botocore.signers import RequestSigner

from mlinfra.aws import Aws

TOKEN_PREFIX = "k8s-aws-v1."
TOKEN_EXPIRES_S = 60
TIMEOUT_S = 10


class KubeError(Exception):
    """The API could not be asked at all (unreachable, refused TLS, no token)."""


class Kube(Protocol):
    def get(self, path: str) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, the JSON body when 200) of ``GET <api server><path>``."""
        ...


def eks_token(aws: Aws, cluster: str) -> str:
    """The bearer token `aws eks get-token --cluster-name <cluster>` would print."""
    session = aws.session
    sts = session.client("sts", region_name=aws.region)
    signer = RequestSigner(sts.meta.service_model.service_id, aws.region, "sts", "v4", session.get_credentials(), session.events)
    url = signer.generate_presigned_url(
        {
            "method": "GET",
            "url": f"https://sts.{aws.region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
            "body": {},
            "headers": {"x-k8s-aws-id": cluster},
            "context": {},
        },
        region_name=aws.region,
        expires_in=TOKEN_EXPIRES_S,
        operation_name="",
    )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


class HttpKube:
    """GETs against one API server with a bearer token (TLS verified against ``ca_pem``)."""

    def __init__(self, endpoint: str, token: str, ca_pem: str | None) -> None:
        self.endpoint, self._token = endpoint.rstrip("/"), token
        self._context = ssl.create_default_context(cadata=ca_pem) if ca_pem else None

    def get(self, path: str) -> tuple[int, dict[str, Any] | None]:
        request = urllib.request.Request(
            self.endpoint + path, headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S, context=self._context) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KubeError(f"cannot reach the Kubernetes API at {self.endpoint}: {reason}") from None


def eks_kube(aws: Aws, cluster: str) -> HttpKube:
    """The API server of an EKS cluster, as the caller's AWS identity."""
    info = aws.eks.describe_cluster(name=cluster)["cluster"]
    endpoint = info.get("endpoint")
    if not endpoint:
        raise KubeError(f"EKS cluster {cluster} has no API endpoint yet (status {info.get('status', '?')})")
    ca = info.get("certificateAuthority", {}).get("data")
    return HttpKube(endpoint, eks_token(aws, cluster), base64.b64decode(ca).decode() if ca else None)
