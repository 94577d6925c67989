"""Every Kubernetes namespace the platform owns, one constant each.

The owning component creates the namespace and exposes its name as an output; teams read
it from there (never retyped). ``PLATFORM_NAMESPACES`` is what a team may not be called: a
team's namespace is its name, and a team named ``monitoring`` would take that one over.
"""

from __future__ import annotations

KUBE_SYSTEM = "kube-system"
GPU_OPERATOR = "gpu-operator"
KAFKA = "kafka"
MESH = "istio-system"
MESH_INGRESS = "istio-ingress"
MONITORING = "monitoring"
# kubernetes-reflector: copies Strimzi's client Secrets into team namespaces (kafka area).
REFLECTOR = "reflector"

# Namespaces Kubernetes creates itself.
KUBERNETES_NAMESPACES = frozenset({"default", KUBE_SYSTEM, "kube-public", "kube-node-lease"})

PLATFORM_NAMESPACES: frozenset[str] = frozenset({GPU_OPERATOR, KAFKA, MESH, MESH_INGRESS, MONITORING, REFLECTOR})
"""Namespaces created by platform components (keep in step when a component adds one)."""

# Kept free for add-ons likely to come (certificates, node provisioning, platform tooling).
RESERVED_FOR_LATER = frozenset({"cert-manager", "karpenter", "platform"})

# The label that turns on Istio sidecar injection in a namespace (owned by the mesh).
MESH_INJECTION_LABEL = "istio-injection"
