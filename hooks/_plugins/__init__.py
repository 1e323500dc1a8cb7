"""Checks whose logic is code, named by rules of kind `plugin` as `module:function`.

Each function takes `(source: SourceFile, options: dict)` and yields `Match` objects.
"""
