"""Chapter pages: front matter, header, section ids and citation metadata."""
