"""Daur: a CRM built around the customer life cycle."""

__version__ = "0.1.0"
