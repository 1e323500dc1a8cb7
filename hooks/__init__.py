"""ava-safety: pre-commit hooks that stop broken deployments of Python services."""

__version__ = "0.1.0"
