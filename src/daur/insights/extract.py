"""The records scoring reads, as numpy columns: one query per kind, numeric rows, no ORM objects.

Amounts come converted to the base currency (settings DAUR_EXCHANGE_RATES); days are whole days
since 1970-01-01 in the business's time zone (DAUR_TIME_ZONE). A `customers` filter restricts
every query to a few customers, which is how one customer is re-scored in real time; the numeric
kinds then travel in one query (a round trip each cost more than reading one customer's rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from daur.analytics.events import (
    INTERACTION_CODES,
    NO_DAY,
    NO_INDEX,
    TICKET_CODES,
    TIER_CODES,
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
    factorize,
)
from daur.analytics.fit_inputs import sample_keys
from daur.analytics.scoring import BaseEvents
from daur.db import dialect
from daur.db.numeric import Packing, fetch_numeric, fetch_numeric_many
from daur.db.snapshot import SharedSnapshot
from daur.definitions import currency, orders
from daur.definitions.leads import qualified_sql

MISSING_DAY = -999_999_999  # SQL's NULL day, turned into NO_DAY here


@dataclass(frozen=True)
class BaseRecords:
    """The event columns of the analytics, and the customers' primary keys (rows in order)."""

    customer_pks: np.ndarray
    events: BaseEvents
    # What a range of a base read in parts needs beyond the events (`scoring_parts`): each
    # customer's referrer id (-1 for none) and market keys ("" for none), by market kind.
    referrer_ids: np.ndarray | None = None
    market_keys: dict[str, np.ndarray] | None = None

    @property
    def n_customers(self) -> int:
        return len(self.customer_pks)


LINES_SQL = (
    "SELECT l.order_id, l.product_id, {quantity}, {quantity} * {unit_price} - {line_discount} "
    "FROM sales_orderline l {where_l}"
)
# Rows come in any order (an ORDER BY would walk the primary key: several times slower on
# millions of orders than sorting here); amounts are converted with their rates here. The day
# and the discount flag travel as one number: one array less.
DAY_AND_FLAG = Packing(bits=1)
ORDERS_SQL = (
    "SELECT o.id, o.customer_id, {day_and_discounted}, {amount}, {rate} FROM sales_order o "
    "{where_o}"
)
INTERACTIONS_SQL = (
    "SELECT i.customer_id, {day_occurred}, {interaction_kind} FROM engagement_interaction i "
    "{where_i}"
)
TICKETS_SQL = (
    "SELECT t.customer_id, {day_opened}, {ticket_kind}, "
    "CASE WHEN t.accepted THEN 1 ELSE 0 END FROM servicedesk_ticket t {where_t}"
)
SURVEYS_SQL = (
    "SELECT s.customer_id, {day_answered}, s.nps FROM surveys_surveyanswer s {where_s}"
)


def base_records(
    *, customers: Sequence[int] | None = None, id_range: tuple[int, int] | None = None
) -> BaseRecords:
    """Read the base (or only `customers`, by primary key, or the customers whose keys are in
    `id_range`, both ends included) as numeric columns.

    On PostgreSQL, outside a transaction, the whole base is read in one snapshot: the order
    lines, interactions, tickets and answers on a second connection while the customers and
    orders are read on the first (two server processes at work).
    """
    sql = _Sql(customers, id_range)
    if customers is not None:
        # A few customers (a real-time re-score, a 360 page): the numeric reads in one query.
        line_rows, order_rows, interactions, tickets, surveys, qualified = fetch_numeric_many(
            [
                (sql.render(LINES_SQL), 4),
                (sql.render(ORDERS_SQL), 5),
                (sql.render(INTERACTIONS_SQL), 3),
                (sql.render(TICKETS_SQL), 4),
                (sql.render(SURVEYS_SQL), 3),
                (_qualified_sql(sql), 1),
            ]
        )
        pks, attributes, context = _customers(sql, qualified[:, 0].astype(np.int64))
    else:
        with SharedSnapshot() as snapshot:
            lines = snapshot.run(fetch_numeric, sql.render(LINES_SQL), 4)
            customers_read = snapshot.run(_customers, sql)
            order_rows = sql.numeric(ORDERS_SQL, 5)
            interactions = snapshot.run(sql.numeric, INTERACTIONS_SQL, 3)
            tickets = snapshot.run(sql.numeric, TICKETS_SQL, 4)
            surveys = snapshot.run(sql.numeric, SURVEYS_SQL, 3)
            line_rows = lines()
            pks, attributes, context = customers_read()
            interactions, tickets, surveys = interactions(), tickets(), surveys()
    index_of = _indexer(pks)
    order_pks = order_rows[:, 0].astype(np.int64)
    if len(order_pks) > 1 and (np.diff(order_pks) < 0).any():
        by_pk = np.argsort(order_pks, kind="stable")
        order_rows, order_pks = order_rows[by_pk], order_pks[by_pk]
    order_rate = order_rows[:, 4]
    day_and_flag = order_rows[:, 2].astype(np.int64)
    line_order = _indexer(order_pks)(line_rows[:, 0])
    product = _products(sql)
    line_product = np.searchsorted(product["pk"], line_rows[:, 1].astype(np.int64))
    quantity, spend = line_rows[:, 2], line_rows[:, 3] * order_rate[line_order]
    units = np.bincount(line_order, weights=quantity, minlength=len(order_pks))
    has_lines = np.bincount(line_order, minlength=len(order_pks)) > 0
    order_customer = index_of(order_rows[:, 1])
    # Product costs are kept in the base currency, like the converted line spend.
    cost = quantity * product["unit_cost"][line_product]
    cost_known = ~np.isnan(cost)
    line_customer = order_customer[line_order]
    n = len(pks)
    known_revenue = np.bincount(line_customer[cost_known], spend[cost_known], minlength=n)
    known_cost = np.bincount(line_customer[cost_known], cost[cost_known], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.clip((known_revenue - known_cost) / known_revenue, 0.0, 1.0)
    margin_rate = np.where(known_revenue > 0, margin, settings.DAUR_DEFAULT_MARGIN_RATE)
    return BaseRecords(
        customer_pks=pks,
        referrer_ids=context[0],
        market_keys=context[1],
        events=BaseEvents(
            customers=attributes,
            margin_rate=margin_rate,
            sample_keys=sample_keys(pks),
            orders=OrderEvents(
                customer_index=order_customer,
                ordered_day=_days(DAY_AND_FLAG.high(day_and_flag)),
                amount=order_rows[:, 3] * order_rate,
                discounted=DAY_AND_FLAG.low(day_and_flag) == 1,
                units=np.where(has_lines, units, np.nan),
            ),
            lines=LineEvents(
                order_index=line_order,
                category_id=product["category_id"][line_product],
                tier=product["tier"][line_product],
                spend=spend,
                launched_day=product["launched_day"][line_product],
            ),
            interactions=InteractionEvents(
                customer_index=index_of(interactions[:, 0]),
                day=_days(interactions[:, 1]),
                kind=interactions[:, 2],
            ),
            tickets=TicketEvents(
                customer_index=index_of(tickets[:, 0]),
                opened_day=_days(tickets[:, 1]),
                kind=tickets[:, 2],
                accepted=tickets[:, 3] > 0,
            ),
            surveys=SurveyEvents(
                customer_index=index_of(surveys[:, 0]),
                answered_day=_days(surveys[:, 1]),
                nps=surveys[:, 2],
            ),
        ),
    )


class _Sql:
    """The queries' expressions (days, amounts, the currency conversion) and customer filter."""

    def __init__(
        self, customers: Sequence[int] | None, id_range: tuple[int, int] | None = None
    ) -> None:
        self.customers = None if customers is None else [int(pk) for pk in customers]
        self.id_range = None if id_range is None else (int(id_range[0]), int(id_range[1]))

    @staticmethod
    def moment_day(column: str) -> str:
        return f"COALESCE({dialect.local_day(column)}, {MISSING_DAY})"

    def where(self, column: str) -> str:
        if self.id_range is not None:
            return f"WHERE {column} BETWEEN {self.id_range[0]} AND {self.id_range[1]}"
        if self.customers is None:
            return ""
        listed = ",".join(str(pk) for pk in self.customers) or "NULL"
        return f"WHERE {column} IN ({listed})"

    def render(self, template: str) -> str:
        sql = template.format(
            day_occurred=self.moment_day("i.occurred_at"),
            day_opened=self.moment_day("t.opened_at"),
            day_answered=self.moment_day("s.answered_at"),
            interaction_kind=_codes("i.kind", INTERACTION_CODES),
            ticket_kind=_codes("t.kind", TICKET_CODES),
            day_and_discounted=DAY_AND_FLAG.sql(
                self.moment_day("o.ordered_at"), orders.discounted_sql("o")
            ),
            amount=dialect.as_float("o.amount"),
            rate=currency.rate_sql("o.currency"),
            quantity=dialect.as_float("l.quantity"),
            unit_price=dialect.as_float("l.unit_price"),
            line_discount=dialect.as_float("l.discount_amount"),
            where_o=self.where("o.customer_id"),
            # An interaction may be a lead's only.
            where_i=self.where("i.customer_id") or "WHERE i.customer_id IS NOT NULL",
            where_t=self.where("t.customer_id"),
            where_s=self.where("s.customer_id"),
            where_l=self._where_lines(),
        )
        return sql

    def _where_lines(self) -> str:
        if self.id_range is not None:
            # A range of customers (a distributed run, on PostgreSQL): by the customer the line
            # holds, an index range scan (daur.db.line_customer), not a probe per order.
            return self.where("l.customer_id")
        if self.customers is None:
            return ""
        return self.where("o.customer_id").replace(
            "WHERE", "WHERE l.order_id IN (SELECT o.id FROM sales_order o WHERE", 1
        ) + ")"

    def numeric(self, template: str, width: int) -> np.ndarray:
        return fetch_numeric(self.render(template), width)


def _days(values: np.ndarray) -> np.ndarray:
    days = values.astype(np.int64)
    return np.where(days == MISSING_DAY, NO_DAY, days)


def _indexer(pks: np.ndarray):
    """Row positions of foreign keys in the sorted `pks`; a subtraction when the keys have no
    gaps (the usual case: a binary search per row costs seconds on ten million rows)."""
    dense = len(pks) > 0 and int(pks[-1]) - int(pks[0]) == len(pks) - 1

    def index_of(fk: np.ndarray) -> np.ndarray:
        fk = fk.astype(np.int64)
        if dense:
            return np.clip(fk - pks[0], 0, len(pks) - 1)  # as searchsorted, keys are present
        return np.searchsorted(pks, fk)

    return index_of




def _customers(
    sql: _Sql, qualified: np.ndarray | None = None
) -> tuple[np.ndarray, CustomerAttributes, tuple[np.ndarray, dict[str, np.ndarray]]]:
    """The customers' attributes, and their referrers' ids and market keys; `qualified`: the
    ids of those converted from a qualified lead, when the caller read them."""
    query = (
        f"SELECT c.id, c.country, c.city, c.industry, c.referred_by_id, "
        f"{sql.moment_day('c.created_at')} FROM customers_customer c "
        f"{sql.where('c.id')} ORDER BY c.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0, dtype=object)
        return (
            np.zeros(0, np.int64),
            CustomerAttributes.blank(0),
            (np.zeros(0, np.int64), {"geo": empty, "industry": empty}),
        )
    pk, country, city, industry, referrer, created = zip(*rows, strict=True)
    pks = np.array(pk, dtype=np.int64)
    market = [f"{a}\x1f{b}" if a and b else "" for a, b in zip(country, city, strict=True)]
    referrer_pk = np.array([r if r is not None else -1 for r in referrer], dtype=np.int64)
    position = np.searchsorted(pks, referrer_pk)
    found = (referrer_pk >= 0) & (position < len(pks))
    found[found] &= pks[position[found]] == referrer_pk[found]
    if qualified is None:
        qualified = fetch_numeric(_qualified_sql(sql), 1)[:, 0].astype(np.int64)
    keys = {
        "geo": np.array(market, dtype=object),
        "industry": np.array([i or "" for i in industry], dtype=object),
    }
    return pks, CustomerAttributes(
        geo_market_id=factorize(market),
        industry_id=factorize(industry),
        referred_by=np.where(found, position, NO_INDEX),
        created_day=_days(np.array(created, dtype=np.int64)),
        qualified_lead=np.isin(pks, qualified),
        lead_score=_prospect_lead_scores(sql, pks),
    ), (referrer_pk, keys)


def _prospect_lead_scores(sql: _Sql, pks: np.ndarray) -> np.ndarray:
    """Per customer, the highest current score of the open leads linked to it (the `start`
    strategy of SPEC §1.5 reads it); NaN without one."""
    rows = fetch_numeric(
        "SELECT l.converted_customer_id, MAX(s.win_probability) FROM insights_leadscore s "
        "JOIN leads_lead l ON l.id = s.lead_id WHERE l.converted_customer_id IS NOT NULL"
        + sql.where("l.converted_customer_id").replace("WHERE", " AND")
        + " GROUP BY l.converted_customer_id",
        2,
    )
    score = np.full(len(pks), np.nan)
    position = np.searchsorted(pks, rows[:, 0].astype(np.int64))
    found = position < len(pks)
    found[found] &= pks[position[found]] == rows[found, 0].astype(np.int64)
    score[position[found]] = rows[found, 1]
    return score


def _qualified_sql(sql: _Sql) -> str:
    return (
        "SELECT DISTINCT converted_customer_id FROM leads_lead WHERE converted_customer_id "
        f"IS NOT NULL AND {qualified_sql()}"
        + sql.where("converted_customer_id").replace("WHERE", " AND")
    )


def _products(sql: _Sql) -> dict[str, np.ndarray]:
    """The products (for a few customers: only those on their order lines)."""
    bought = ""
    if sql.customers is not None:
        bought = sql.render(
            "WHERE id IN (SELECT l.product_id FROM sales_orderline l {where_l})"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, category, tier, unit_cost, launched_on FROM catalog_product "
            f"{bought} ORDER BY id"
        )
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0)
        return {
            "pk": empty.astype(np.int64),
            "category_id": empty.astype(np.int64),
            "tier": empty.astype(np.int8),
            "unit_cost": empty,
            "launched_day": empty.astype(np.int64),
        }
    pk, category, tier, cost, launched = zip(*rows, strict=True)
    launched_day = [
        (day if isinstance(day, str) else day.isoformat()) if day else None for day in launched
    ]
    return {
        "pk": np.array(pk, dtype=np.int64),
        "category_id": factorize(category),
        "tier": np.array([TIER_CODES.get(t, -1) for t in tier], dtype=np.int8),
        "unit_cost": np.array([float(c) if c is not None else np.nan for c in cost]),
        "launched_day": np.array(
            [np.datetime64(d, "D").astype(np.int64) if d else NO_DAY for d in launched_day],
            dtype=np.int64,
        ),
    }


def _codes(column: str, codes: dict[str, int]) -> str:
    cases = " ".join(f"WHEN '{name}' THEN {code}" for name, code in codes.items())
    return f"CASE {column} {cases} ELSE -1 END"


# What an incremental run (`daur.insights.incremental`) reads beside a few customers' records.


def lead_columns(pks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the customers `pks` (sorted): whether each was converted from a qualified lead, and
    its open leads' highest score, as `base_records` reads them for the whole base."""
    sql = _Sql(None)
    qualified = fetch_numeric(_qualified_sql(sql), 1)[:, 0].astype(np.int64)
    return np.isin(pks, qualified), _prospect_lead_scores(sql, pks)


def purchases_of(pks: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The orders of the customers `pks` as `base_records` reads them: customer id, day and
    amount in the base currency (refunds and orders after the as-of day included)."""
    rows = fetch_numeric(_Sql(pks).render(ORDERS_SQL), 5)
    day = _days(DAY_AND_FLAG.high(rows[:, 2].astype(np.int64)))
    return rows[:, 1].astype(np.int64), day, rows[:, 3] * rows[:, 4]


def product_buyers(product_ids: Sequence[int]) -> np.ndarray:
    """The customers with an order line of one of `product_ids` (sorted ids)."""
    if len(product_ids) == 0:
        return np.zeros(0, np.int64)
    listed = ",".join(str(int(pk)) for pk in product_ids)
    rows = fetch_numeric(
        "SELECT DISTINCT o.customer_id FROM sales_orderline l JOIN sales_order o "
        f"ON o.id = l.order_id WHERE l.product_id IN ({listed})",
        1,
    )
    return np.unique(rows[:, 0].astype(np.int64))
