"""The customer list's rows, formatted and escaped once in Python: the template places them.

Fifty rows of labels, money and badges through template filters and variable nodes cost several
times the list's query; here each cell is formatted once and each row is one string format,
every value passing through `escape`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from daur.customers.models import Customer
from daur.customers.selectors import SORTS, ListedCustomer
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import NumberStyle, money


@dataclass(frozen=True, slots=True)
class CustomerRow:
    url: str
    name: str
    external_id: str
    market: str
    stage: str
    types: list[str]
    segment: str
    p_alive: str
    clv: str
    strategy: str
    owner: str


def customer_rows(customers: list[ListedCustomer], *, currency: str) -> list[CustomerRow]:
    """One row per listed customer."""
    # One reverse() for the page; the customer's id goes in place of the placeholder.
    url = reverse("web:customer", args=[0])[:-2] + "{}/"
    names, style = translated_names(), NumberStyle.active()
    rows = []
    for c in customers:
        scored = c.scored
        rows.append(
            CustomerRow(
                url=url.format(c.pk),
                name=c.name,
                external_id=c.external_id,
                market=", ".join(part for part in (c.city, c.country) if part),
                stage=label("stage", c.lifecycle_stage, names) if scored else "",
                types=[label("type", t, names) for t in c.type_list],
                segment=label("segment", c.rfm_segment, names) if scored else "",
                p_alive="–" if c.p_alive is None else style.number(c.p_alive, 2),
                clv=money(c.clv_12m, currency, style),
                strategy=label("strategy", c.strategy, names) if scored else "",
                owner=c.owner or "–",
            )
        )
    return rows


ROW = (
    '<tr><td><a href="{url}">{name}</a></td><td class="small">{external_id}</td>'
    '<td class="small">{market}</td><td>{stage}</td><td class="small">{types}</td>'
    '<td class="small">{segment}</td><td class="num">{p_alive}</td><td class="num">{clv}</td>'
    '<td>{strategy}</td><td class="small">{owner}</td></tr>\n'
)
BADGE = '<span class="badge text-bg-light border">{}</span> '


def customer_rows_html(rows: list[CustomerRow]) -> SafeString:
    """The <tr> elements of the rows; every text is escaped here."""
    out = []
    for r in rows:
        out.append(
            ROW.format(
                url=escape(r.url), name=escape(r.name), external_id=escape(r.external_id),
                market=escape(r.market), stage=escape(r.stage),
                types="".join(BADGE.format(escape(t)) for t in r.types),
                segment=escape(r.segment), p_alive=escape(r.p_alive), clv=escape(r.clv),
                strategy=escape(r.strategy), owner=escape(r.owner),
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - built from escaped values above


@dataclass(frozen=True, slots=True)
class SortHeader:
    """A sortable column heading: the list's query ordered by it, and its aria-sort value
    ("none" unless the list is ordered by it)."""

    query: str
    aria_sort: str


def sort_headers(query, current: str, sorts=SORTS) -> dict[str, SortHeader]:  # noqa: ANN001
    """The heading of each sort key of `sorts` (key -> (column, direction)), for a list query (a
    QueryDict without its cursor or page)."""
    headers = {}
    for key, (_, direction) in sorts.items():
        q = query.copy()
        q["sort"] = key
        active = "ascending" if direction == "asc" else "descending"
        headers[key] = SortHeader(q.urlencode(), active if key == current else "none")
    return headers


def score_of(customer: Customer):  # noqa: ANN201 - a CustomerScore or None
    """The customer's score, None when it has not been scored."""
    try:
        return customer.score
    except Customer.score.RelatedObjectDoesNotExist:
        return None
