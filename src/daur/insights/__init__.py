"""Insights: the bridge from the records to the analytics and back — stored scores, fits, alerts."""
