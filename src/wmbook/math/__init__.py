"""Math rendered to HTML at build time with KaTeX, so readers need no network and no script."""
