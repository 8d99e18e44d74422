"""Database plumbing: the only package that checks the database vendor or speaks PostgreSQL's
internals; every other module writes portable SQL through it.

- `dialect`: expressions that differ by database (a moment's local day, a date's day, casts to
  a double, typed literals, JSON, temporary tables) and the values each driver stores;
- `numeric`: queries of numbers as numpy matrices (PostgreSQL arrays decoded in place), two
  integers packed in one number, values factorized in the database;
- `snapshot`: reads on several PostgreSQL connections in one shared snapshot;
- `copy`: rows written in bulk (COPY text formatted a column at a time, or executemany);
- `bulk`: large loads with indexes and foreign keys set aside, staging-table preparation;
- `shadow`: a table replaced by a copy built beside it and swapped in at the commit.
"""
