"""Returns Desk hub: ingest, store, linking, claims, redaction, packets, web."""
