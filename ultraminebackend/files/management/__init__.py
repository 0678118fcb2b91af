"""Management commands for the storage roles."""
