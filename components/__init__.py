"""Reusable Pulumi ComponentResources, one per file; none reads pulumi.Config."""
