"""Stack configuration: typed settings, stack files, team files, and the platform composition."""
