"""Plain facts at the bottom of the import graph: standard library only.

Settings, components, policies and the command line all read these; none is written twice.
Kubernetes versions and add-on pins (kubernetes.py), regions (regions.py), GPU types, AMI types
and the GPU taint (gpu.py), prices and the cost model (prices.py, cost.py), stateful types
(stateful.py), platform namespaces (namespaces.py), custom-resource API versions (crds.py),
component type tokens (tokens.py), provider schema facts (schema.py), S3 policy statements (s3.py).
"""
