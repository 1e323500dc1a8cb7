"""design-rules: a team's design system, written as YAML rules, held against its web code.

Checks HTML, Jinja/Django templates, CSS (files, `<style>` blocks, `style=""` attributes) and the
HTML that Python code returns as strings: font sizes, palette, contrast, touch targets, Enter-key
support, labels, the version badge. Errors block the commit; warnings are shown and do not.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "design-rules"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=False,
        description="Check templates, stylesheets and HTML in Python against the design rule packs.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
