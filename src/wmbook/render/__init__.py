"""Render stage: blocks into the page's Markdown, outputs and page parts into its HTML."""
