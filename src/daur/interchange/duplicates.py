"""Duplicates in interchange: `daur duplicates FILE`, and the customers import's warnings about
new rows that look like customers already in the base (warnings only: they never block)."""

from __future__ import annotations

import csv

from daur.analytics.duplicates import THRESHOLD, Party
from daur.customers.duplicates import BaseIndex, duplicate_pairs_scored
from daur.customers.models import Customer
from daur.interchange.exporter import _open as open_output

COLUMNS = ("customer_id_a", "customer_id_b", "score", "evidence")
# The check reads the whole base into memory and scores each new row against its blocks: past
# these sizes an import leaves it to `daur duplicates` rather than slow down.
CHECK_MAX_BASE = 200_000
CHECK_MAX_NEW_ROWS = 20_000
SHOWN_WARNINGS = 50


def duplicates_write(*, path: str, threshold: float = THRESHOLD) -> int:
    """Write every suspected pair to `path` ("-": standard output); returns the pair count."""
    scored = duplicate_pairs_scored(threshold=threshold)
    ids = {p.a for p in scored} | {p.b for p in scored}
    external = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    with open_output(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for pair in scored:
            a, b = sorted((external[pair.a], external[pair.b]))
            writer.writerow([a, b, f"{pair.score:.3f}", pair.evidence_text()])
    return len(scored)


def import_warnings(kind: str, staging) -> list[str]:  # noqa: ANN001 - a staging.Staging
    """For a customers import: the new rows (ids not yet in the base) that look like existing
    customers, one line each, before anything is written."""
    if kind != "customers":
        return []
    new_rows = staging._rows(
        f'SELECT s."line", s."customer_id", s."name", s."kind", s."email", s."phone", s."city", '
        f's."country" FROM {staging.table} s WHERE NOT EXISTS (SELECT 1 FROM '
        f'{Customer._meta.db_table} c WHERE c.external_id = s."customer_id") ORDER BY s."line"'
    )
    if not new_rows:
        return []
    base_size = Customer.objects.count()
    if base_size == 0:
        return []
    if base_size > CHECK_MAX_BASE or len(new_rows) > CHECK_MAX_NEW_ROWS:
        return [
            f"{len(new_rows):,} new customers in a base of {base_size:,}: not checked for "
            "duplicates here; run `daur duplicates FILE` after the import."
        ]
    index = BaseIndex()
    found: list[tuple[int, str, list]] = []
    for line, external_id, name, customer_kind, email, phone, city, country in new_rows:
        party = Party(
            key=f"new:{line}",
            name=name or "",
            email=email or "",
            phone=phone or "",
            company=(name or "") if customer_kind == "organization" else "",
            city=city or "",
            country=country or "",
        )
        matches = index.matches(party)
        if matches:
            found.append((line, external_id, matches))
    return _warning_lines(found)


def _warning_lines(found: list[tuple[int, str, list]]) -> list[str]:
    if not found:
        return []
    ids = {m.b for _, _, matches in found for m in matches[:3]}
    external = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    lines = [f"{len(found):,} new customers look like customers already in the base:"]
    for line, external_id, matches in found[:SHOWN_WARNINGS]:
        best = matches[0]
        others = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        lines.append(
            f"  line {line}, {external_id}: like {external[best.b]} "
            f"(score {best.score:.2f}: {best.evidence_text()}){others}"
        )
    if len(found) > SHOWN_WARNINGS:
        lines.append(f"  … and {len(found) - SHOWN_WARNINGS:,} more")
    return lines
