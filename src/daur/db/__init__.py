"""Database plumbing: the only package that checks the database vendor or speaks PostgreSQL's
internals.

Dialect expressions, numeric fetches and array decoding, the shared snapshot, COPY and bulk helpers,
the shadow-table swap live here; every other module writes portable SQL through it.
"""
