"""Python as the hooks see it: modules and imports, syntax for a target version, dependencies, env reads."""
