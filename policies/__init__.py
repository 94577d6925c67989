"""The mlinfra CrossGuard policy pack (a package, so `mlinfra plan` and the tests import it).

`pulumi preview --policy-pack policies` runs ``__main__.py``; everything else here is plain
Python that never starts the analyzer server.
"""
