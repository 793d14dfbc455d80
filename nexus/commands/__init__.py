"""Sub-commands of the ``nexus`` CLI, one module per area (see nexus/cli.py)."""
