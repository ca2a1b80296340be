"""Execute stage: run sessions in worker processes and return ``SessionResult`` records."""
