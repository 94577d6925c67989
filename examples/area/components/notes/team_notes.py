"""TeamNotes: a ConfigMap of notes in one team's namespace."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.catalog.notes import TEAM_NOTES


@dataclass(frozen=True)
class TeamNotesArgs:
    """Inputs of TeamNotes."""

    namespace: str
    """The team's namespace (the teams area creates it)."""
    text: str
    """What the ConfigMap says."""
    k8s_provider: pulumi.ProviderResource
    """The cluster's provider."""


class TeamNotes(pulumi.ComponentResource):
    """One ConfigMap ``mlinfra-notes`` in the team's namespace."""

    def __init__(self, name: str, args: TeamNotesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TEAM_NOTES, name, None, opts)
        k8s.core.v1.ConfigMap(
            f"{name}-configmap",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="mlinfra-notes", namespace=args.namespace),
            data={"notes": args.text},
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider),
        )
        self.register_outputs({})
