"""The push guards: what a change does to the world it will be deployed into.

- `change`: the change under judgement, decided once: a pushed range (`PRE_COMMIT_FROM_REF..TO_REF`,
  `--from-ref/--to-ref`, a new branch against its merge base with the default branch), the commit
  being made (the index against HEAD), or a rule example's files. Its files with their status
  (deletions and renames included), its commits and their trailers, and every file's content
  before and after, read from git objects (never the work tree's copy of a pushed commit).
- `pyfacts`: per-file Python facts (imports, routes) cached by content hash under
  `.git/ava-safety/cache`; `graph`: the import closure of entry files, with the chain that links
  a file to an entry.
- `systems`: working-systems (declared systems touched, acknowledgements, URL permanence against the
  routes lock, protected paths and elements, smoke commands); `elements`: declared CSS classes,
  colours, template ids and tables in a change; `ddl`: migrations and DDL in a change.
- `risk`: rollback-risk, factors with weights from YAML, levels; `database`: db-connection.
- `runner` (a layer above the hook runner): decide the change, run a guard, record, report.

Everything below `runner` returns data; nothing here prints.
"""
