"""Order amounts in the base currency as an SQL expression.

The conversion is a CASE over the currency with the rates of settings DAUR_EXCHANGE_RATES, the
same rates `extract` uses, so the KPIs, the alerts and the scores agree on every amount.
"""

from __future__ import annotations

from django.db.models import Case, FloatField, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast

from daur.insights.extract import exchange_rates


def base_amount(prefix: str = "") -> CombinedExpression:
    """`amount` x the rate of `currency`, a float (`prefix`, e.g. "orders__", reaches an order)."""
    rate = Case(
        *(
            When(**{f"{prefix}currency": code}, then=Value(float(rate)))
            for code, rate in exchange_rates().items()
        ),
        default=Value(1.0),
        output_field=FloatField(),
    )
    return Cast(f"{prefix}amount", FloatField()) * rate
