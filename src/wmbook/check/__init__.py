"""Check stage: compare what ran with what the page says, producing diagnostics."""
