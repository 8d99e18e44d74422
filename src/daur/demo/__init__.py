"""The demo business: a deterministic synthetic retailer, generated as CSV and imported."""
