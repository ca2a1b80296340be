"""Reader blocks written in pymdownx.blocks syntax: quiz, equation, instrument, references."""
