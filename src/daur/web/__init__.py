"""The web application: server-rendered pages over the selectors and services."""
