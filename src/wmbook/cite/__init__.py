"""Citing: the BibTeX bibliography, in-text citations, and 'cite this section'."""
