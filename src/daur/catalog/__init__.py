"""The catalogue: products, their product lines (categories), tiers, prices and costs."""
