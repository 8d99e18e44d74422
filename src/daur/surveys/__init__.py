"""Surveys: NPS answers of customers."""
