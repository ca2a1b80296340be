"""Parse stage: Markdown text -> typed blocks with source locations."""
