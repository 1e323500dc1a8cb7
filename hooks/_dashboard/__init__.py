"""The health dashboard: one page on what runs, what was deployed and rolled back, and how the code scores.

- `model.status(...)` gathers everything the page shows into one JSON-ready dict (secrets masked);
- `review` the weekly deployment review, `svg` the compliance trend chart, `probes` health now and
  the uptime of recent checks (`.git/ava-safety/health-checks.jsonl`);
- `page.render(status, ...)` the self-contained HTML (styles, script and data inline);
- `server.serve(...)` the live page with its JSON API and token-protected actions.
"""
