"""The base currency and an amount in it: one definition for the scores, KPIs, alerts and screens.

Amounts are kept in the currency they were made in; every figure that adds them up converts them
into the base currency (settings DAUR_DEFAULT_CURRENCY) with the rates of settings
DAUR_EXCHANGE_RATES ("EUR=17500,USD=16000": units of the base currency per unit). In SQL a
currency without a rate converts at 1 (the import accepts only known currencies); in Python it
has no conversion (None), so that a screen can say which totals it left out.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, FloatField, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast

from daur.db import dialect


def base_currency() -> str:
    return settings.DAUR_DEFAULT_CURRENCY


def exchange_rates(base: str | None = None) -> dict[str, float]:
    """Currency -> rate into the base currency (`base`, default the configured one, is 1)."""
    base = base or base_currency()
    rates = {base: 1.0}
    rates.update((code, float(rate)) for code, rate in settings.DAUR_EXCHANGE_RATES.items())
    rates[base] = 1.0
    return rates


def to_base(amount: float, code: str, base: str | None = None) -> float | None:
    """`amount` in `code` converted into the base currency; None when `code` has no rate."""
    rate = exchange_rates(base).get(code)
    return None if rate is None else amount * rate


def rate_sql(column: str) -> str:
    """SQL for the rate of the currency code in `column` into the base currency (a double)."""
    return dialect.value_case(column, exchange_rates(), 1.0)


def base_amount_sql(amount: str, code: str) -> str:
    """SQL for the amount column `amount` in the currency column `code`, in the base currency."""
    return f"{dialect.as_float(amount)} * {rate_sql(code)}"


def base_amount(prefix: str = "") -> CombinedExpression:
    """The ORM expression of an order's `amount` in the base currency, a float (`prefix`, e.g.
    "orders__", reaches an order from another model)."""
    rate = Case(
        *(
            When(**{f"{prefix}currency": code}, then=Value(rate))
            for code, rate in exchange_rates().items()
        ),
        default=Value(1.0),
        output_field=FloatField(),
    )
    return Cast(f"{prefix}amount", FloatField()) * rate
