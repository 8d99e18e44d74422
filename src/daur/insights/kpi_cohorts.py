"""Cohort retention (SPEC §1.7): customers by the month of their first purchase, and the share of
each cohort that bought again 1, 2, … months later, up to the period's end.

One query streams the distinct (customer, month) pairs of purchases in the period of the customers
whose first purchase ever falls in it; the triangle is counted from them in numpy (never a query per
customer). Months are calendar months in the business's time zone (DAUR_TIME_ZONE).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncMonth

from daur.insights.period import Period, local_day
from daur.sales.models import Order

FETCH_ROWS = 10_000


@dataclass(frozen=True)
class Cohort:
    """The customers whose first purchase fell in `month`, and who of them bought again later."""

    month: date  # the first day of the first-purchase month
    customers: int  # the cohort's size (month 0: everyone bought, by definition)
    retained: tuple[int, ...]  # [k - 1]: customers with a purchase in month k after `month`
    retention: tuple[float | None, ...]  # [k - 1]: retained[k - 1] / customers (None: empty)


@dataclass(frozen=True)
class CohortRetention:
    cohorts: tuple[Cohort, ...]  # one per calendar month touching the period, oldest first
    last_month_partial: bool  # the period ends before its last month does: that column is partial


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def cohort_retention_compute(*, period: Period, orders: Q | None = None) -> CohortRetention:
    """The retention triangle of the cohorts whose first purchase falls in the period.

    A purchase is an order with a non-negative amount (refunds are not purchases, neither as a
    first purchase nor as a return). `orders` narrows the orders (and so the customers) read,
    e.g. to one owner's customers; the whole base by default. Month k of a cohort counts the
    customers with a purchase in the k-th calendar month after their first-purchase month, up to
    the period's end.
    """
    first_month = _month_number(period.date_from)
    months = _month_number(period.date_to) - first_month + 1
    purchases = Order.objects.filter(amount__gte=0)
    if orders is not None:
        purchases = purchases.filter(orders)
    earlier = purchases.filter(customer=OuterRef("customer_id"), ordered_at__lt=period.start)
    rows = (
        purchases.filter(ordered_at__gte=period.start, ordered_at__lt=period.end)
        .filter(~Exists(earlier))
        .annotate(month=TruncMonth("ordered_at"))
        .values_list("customer_id", "month")
        .distinct()
        .order_by()
    )
    customers, month_numbers = array("q"), array("q")  # compact while the rows stream in
    for customer_id, month in rows.iterator(chunk_size=FETCH_ROWS):
        customers.append(customer_id)
        month_numbers.append(_month_number(local_day(month)))
    counts = np.zeros((months, months), dtype=np.int64)  # [cohort, months after its first]
    if customers:
        customer = np.frombuffer(customers, dtype=np.int64)
        month = np.frombuffer(month_numbers, dtype=np.int64) - first_month
        ids, index = np.unique(customer, return_inverse=True)
        cohort = np.full(len(ids), months, dtype=np.int64)
        np.minimum.at(cohort, index, month)  # the first purchase ever is in the period
        np.add.at(counts, (cohort[index], month - cohort[index]), 1)
    cohorts = []
    for c in range(months):
        size = int(counts[c, 0])
        retained = tuple(int(n) for n in counts[c, 1 : months - c])
        cohorts.append(
            Cohort(
                month=_month_of(first_month + c),
                customers=size,
                retained=retained,
                retention=tuple(n / size if size else None for n in retained),
            )
        )
    return CohortRetention(
        cohorts=tuple(cohorts),
        last_month_partial=(period.date_to + timedelta(days=1)).day != 1,
    )
