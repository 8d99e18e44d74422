"""The demo business: a deterministic synthetic retailer, generated as interchange CSV and imported."""
