"""Customers (persons and organisations), their consumers, markets and owners."""
