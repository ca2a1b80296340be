"""Notebooks: every page with executed code as a downloadable ``.ipynb``."""
