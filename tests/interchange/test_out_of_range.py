"""Values an import refuses though they parse: unknown currencies, dates out of range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from daur.interchange.importer import ImportFailed, import_file
from daur.sales.models import Order

from .test_bad_input import CUSTOMERS

pytestmark = pytest.mark.django_db

HEADER = "order_id,customer_id,ordered_at,amount,currency\n"


@pytest.fixture
def customers(write_csv):
    import_file(kind="customers", path=write_csv("customers.csv", CUSTOMERS))


def problems(kind, path) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFailed) as caught:
        import_file(kind=kind, path=path)
    return [(p.line, p.column, p.reason) for p in caught.value.problems]


def test_an_unknown_currency_is_refused_with_the_known_ones(customers, write_csv, settings):
    settings.DAUR_DEFAULT_CURRENCY = "IDR"
    settings.DAUR_EXCHANGE_RATES = {"EUR": 17500.0, "USD": 16000.0}
    text = HEADER + "O1,C1,2025-01-02,5,eur\nO2,C1,2025-01-03,5,XYZ\nO3,C1,2025-01-04,5,\n"
    assert problems("orders", write_csv("o.csv", text)) == [
        (3, "currency", "unknown currency XYZ (known: IDR, EUR, USD — set DAUR_EXCHANGE_RATES)")
    ]
    assert not Order.objects.exists()
    settings.DAUR_EXCHANGE_RATES = {"EUR": 17500.0, "USD": 16000.0, "XYZ": 2.0}
    import_file(kind="orders", path=write_csv("o.csv", text))
    assert sorted(Order.objects.values_list("currency", flat=True)) == ["EUR", "IDR", "XYZ"]


def test_an_event_after_tomorrow_is_refused_and_today_is_not(customers, write_csv):
    now = datetime.now(UTC)
    soon = (now + timedelta(hours=20)).isoformat()  # within the day's grace: clocks, zones
    later = (now + timedelta(days=2)).isoformat()
    text = HEADER + f"O1,C1,{soon},5,\nO2,C1,2099-01-01,5,\nO3,C1,{later},5,\n"
    found = problems("orders", write_csv("o.csv", text))
    assert [(line, column) for line, column, _ in found] == [(3, "ordered_at"), (4, "ordered_at")]
    assert "'2099-01-01' is in the future" in found[0][2]
    assert "an event is imported once it has happened" in found[0][2]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "value",
    ["0001-01-01", "0001-01-01T00:00:00+07:00", "1899-12-31", "9999-12-31", "9999-12-31T23:00-05:00"],
)
def test_dates_at_the_ends_of_the_calendar_are_row_errors(customers, write_csv, settings, value):
    settings.TIME_ZONE = "Asia/Jakarta"  # east of UTC: 0001-01-01 midnight is before year 1 in UTC
    text = HEADER + f"O1,C1,2025-01-02,5,\nO2,C1,{value},5,\n"
    [(line, column, reason)] = problems("orders", write_csv("o.csv", text))
    assert (line, column) == (3, "ordered_at") and repr(value) in reason
    assert not Order.objects.exists()


def test_a_planned_day_may_be_ahead_but_not_centuries_ahead(write_csv):
    header = "campaign_id,name,channel,started_on,ended_on\n"
    next_year = (date.today() + timedelta(days=365)).isoformat()
    text = header + f"K1,Next,email,2025-01-01,{next_year}\nK2,Far,email,2025-01-01,9999-12-31\n"
    found = problems("campaigns", write_csv("k.csv", text))
    assert [(line, column) for line, column, _ in found] == [(3, "ended_on")]
    assert "'9999-12-31' is not between 1900-01-01 and" in found[0][2]
    ok = header + f"K1,Next,email,2025-01-01,{next_year}\n"
    assert import_file(kind="campaigns", path=write_csv("k.csv", ok)).created == 1
