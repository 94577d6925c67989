"""One policy rule per module; ``policies/pack.py`` lists them. ``_``-prefixed modules are helpers."""
