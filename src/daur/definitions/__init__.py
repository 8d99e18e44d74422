"""One definition per business figure the product shows, each driven by the rules config.

A newcomer looking for what "active", "promoter", "discounted order", "qualified lead" or "amount in
the base currency" means reads it here; screens, KPIs, alerts and exports all use these.
"""
