"""Render stage: HTML fragments for executed blocks, and the Markdown rewrite that places them."""
