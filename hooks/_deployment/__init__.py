"""Deployment files and what they say: one strict reader per format, commands, the per-service model."""
