"""mlinfra: the command line of the ML platform toolkit (plan, team, bootstrap, verify)."""
