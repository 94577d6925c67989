"""Entry point of `pulumi preview --policy-pack policies`: the ONLY place a PolicyPack is built.

Constructing a PolicyPack starts the analyzer's gRPC server and blocks forever, so nothing
else may import this file; `mlinfra plan` and the tests use ``policies.pack`` instead.
"""

import sys
from pathlib import Path

# The Pulumi CLI runs this file with policies/ (not the repository root) as sys.path[0].
# The rules import themselves as the `policies` package and read the facts in
# components/catalog/ (never anything else of the repository), so the root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.pack import DEFAULT_ENFORCEMENT, DESCRIPTION, PACK_NAME, POLICIES  # noqa: E402

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=DEFAULT_ENFORCEMENT, description=DESCRIPTION)
