"""`daur score --incremental`: over a simulated week of changes, each day's incremental run stores
customer by customer the scores a full run computes on the same data (with the same fits and
cut-offs), reading few customers again; where it cannot, it makes a full run and says why. On
SQLite, and on PostgreSQL with DAUR_TEST_DATABASE_URL."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from daur.actions.customers_merge import customer_merge, customer_merge_undo
from daur.catalog.models import Product
from daur.customers.models import Customer, CustomerMerge
from daur.definitions.rules import rules_config
from daur.demo.load import demo_load
from daur.demo.timeline import END_DATE
from daur.engagement.models import Interaction
from daur.insights.extract import base_records
from daur.insights.incremental import scores_compute_incremental
from daur.insights.models import CustomerScore, ScoreChange, ScoringRun, ScoringState
from daur.insights.services import SCORE_COLUMNS, _score_columns, scores_compute
from daur.sales.models import Order, OrderLine
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer

pytestmark = pytest.mark.django_db(transaction=True)

COMPARED = [c for c in SCORE_COLUMNS if c not in ("customer_id", "run_id", "scored_at", "realtime")]
START = END_DATE - timedelta(days=3)  # the demo's last days come in during the week


def at(day: date, hour: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def stored_scores() -> dict[int, dict]:
    return {r["customer_id"]: r for r in CustomerScore.objects.values("customer_id", *COMPARED)}


def full_run_scores(run: ScoringRun):
    """What a full run computes on the data as it is now, as of `run`'s day (nothing stored)."""
    from daur.analytics.scoring import score_base

    records = base_records()
    config = rules_config()
    scores = score_base(
        records.events, as_of_day=(run.as_of - date(1970, 1, 1)).days, config=config
    )
    columns = _score_columns(run, records.customer_pks, scores, config, realtime=False)
    rows = {
        pk: dict(zip(SCORE_COLUMNS, values, strict=True))
        for pk, values in zip(records.customer_pks.tolist(), zip(*columns, strict=True), strict=True)
    }
    return rows, scores, records


def assert_equal_to_full(run: ScoringRun) -> None:
    expected, scores, records = full_run_scores(run)
    stored = stored_scores()
    assert stored.keys() == expected.keys()
    for pk, row in stored.items():
        other = expected[pk]
        for column in COMPARED:
            a, b = row[column], other[column]
            if column == "as_of":
                assert a.isoformat() == b, (pk, column, a, b)
            elif isinstance(a, float) or isinstance(b, float):
                assert (a is None) == (b is None), (pk, column, a, b)
                if a is not None:
                    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (pk, column, a, b)
            else:
                assert a == b, (pk, column, a, b)
    assert_close(run.fits, json_of(scores.fits), "fits")
    assert_close(run.cuts, json_of(scores.cuts), "cuts")
    assert run.n_customers == records.n_customers
    assert run.n_buyers == int((scores.features.order_count > 0).sum())
    assert run.events_after_as_of == dict(scores.features.events_after_as_of)
    assert run.rules_only == scores.rules_only


def json_of(value):
    return json.loads(json.dumps(value, default=float))


def assert_close(a, b, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (where, a, b)
        for key in a:
            if key != "seconds":
                assert_close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (
            math.isnan(a) and math.isnan(b)
        ), (where, a, b)
    else:
        assert a == b, (where, a, b)


class Shop:
    """Hand-made customers on top of the demo business, and the day's changes."""

    def __init__(self) -> None:
        self.n = 0
        self.products = list(Product.objects.order_by("id")[:3])
        self.product = self.products[0]

    def customer(self, name: str, **fields) -> Customer:
        fields.setdefault("created_at", at(START - timedelta(days=800)))
        return Customer.objects.create(external_id=name, name=name, **fields)

    def order(self, who: Customer, day: date, amount: float, lines: int = 1) -> Order:
        self.n += 1
        order = Order.objects.create(
            external_id=f"T{self.n}", customer=who, ordered_at=at(day), amount=Decimal(amount),
            currency="IDR",
        )
        for i in range(lines if amount > 0 else 0):  # a refund has no lines
            OrderLine.objects.create(
                order=order, product=self.products[i], quantity=Decimal(1 + i),
                unit_price=Decimal(amount) / lines / (1 + i),
            )
        return order

    def ticket(self, who: Customer, day: date, kind: str) -> Ticket:
        self.n += 1
        return Ticket.objects.create(
            external_id=f"K{self.n}", customer=who, kind=kind, opened_at=at(day),
            subject="x",
        )


def plant(shop: Shop) -> dict[str, object]:
    """The real-shaped cases, before the first run."""
    d = START
    whale = shop.customer("WHALE", country="ID", city="Medan", industry="retail")
    for n in range(300):  # identical amounts; some leave the 365- and 730-day windows this week
        shop.order(whale, d - timedelta(days=(n * 7) % 735), 125_000.0)
    edge = shop.customer("EDGE")
    for gap in (365, 730):
        for k in (1, 3, 6):
            shop.order(edge, d - timedelta(days=gap - k), 40_000.0)
    shop.ticket(edge, d - timedelta(days=365 - 2), "complaint")
    shop.ticket(edge, d - timedelta(days=365 - 5), "request")
    refunder = shop.customer("REFUND")
    shop.order(refunder, d - timedelta(days=40), 90_000.0)
    shop.order(refunder, d - timedelta(days=20), -90_000.0)
    shop.order(refunder, d - timedelta(days=10), 60_000.0)
    once = shop.customer("ONCE")
    shop.order(once, d - timedelta(days=200), 30_000.0)
    last_day = shop.customer("LASTDAY")
    shop.order(last_day, d, 70_000.0)
    referrer = shop.customer("REFERRER", country="ID", city="Medan")
    shop.order(referrer, d - timedelta(days=90), 50_000.0)
    referred = shop.customer("REFERRED", referred_by=referrer)
    opener = shop.customer("OPENER", country="ID", city="Kupang", industry="fishing")
    shop.order(opener, d - timedelta(days=100), 80_000.0)
    keep = shop.customer("NAMESAKE-1", email="sari@example.com", country="ID", city="Medan")
    shop.order(keep, d - timedelta(days=50), 20_000.0)
    twin = shop.customer("NAMESAKE-2", email="sari.w@example.com", country="ID", city="Medan")
    shop.order(twin, d - timedelta(days=30), 25_000.0)
    shop.ticket(twin, d - timedelta(days=29), "complaint")
    edited = shop.order(once, d - timedelta(days=150), 15_000.0)
    doomed = shop.order(refunder, d - timedelta(days=5), 45_000.0)
    movable = shop.customer("MOVES", country="ID", city="Bandung")
    shop.order(movable, d - timedelta(days=60), 33_000.0)
    return {
        "referrer": referrer, "referred": referred, "opener": opener, "keep": keep,
        "twin": twin, "edited": edited, "doomed": doomed, "movable": movable,
    }


def day_changes(shop: Shop, day: int, planted: dict) -> None:
    when = START + timedelta(days=day)
    newcomer = shop.customer(f"NEW{day}", created_at=at(when), country="ID", city="Medan")
    shop.order(newcomer, when, 10_000.0 * day, lines=2)
    if day == 1:
        SurveyAnswer.objects.create(customer=planted["keep"], answered_at=at(when), nps=3)
        Interaction.objects.create(customer=planted["movable"], kind="visit", occurred_at=at(when))
    if day == 2:  # an order edited; a follower in the opener's market
        Order.objects.filter(pk=planted["edited"].pk).update(amount=Decimal("17500"))
        follower = shop.customer("FOLLOWER", country="ID", city="Kupang", industry="fishing")
        shop.order(follower, when, 55_000.0)
    if day == 3:  # an order deleted; the referred customer orders
        Order.objects.filter(pk=planted["doomed"].pk).delete()
        shop.order(planted["referred"], when, 65_000.0)
    if day == 4:  # namesakes merged
        customer_merge(keep_id="NAMESAKE-1", duplicate_ids=["NAMESAKE-2"])
    if day == 5:  # a product's category and cost change: its buyers' mix and margin
        Product.objects.filter(pk=shop.product.pk).update(
            category="Reclassified", unit_cost=Decimal("1000")
        )
    if day == 6:  # a customer moves to the opener's market
        Customer.objects.filter(pk=planted["movable"].pk).update(city="Kupang", industry="fishing")
    if day == 7:  # the merge undone: the namesake and its rows come back
        customer_merge_undo(merge_id=CustomerMerge.objects.get().pk)
    shop.ticket(planted["referrer"], when, "complaint" if day % 2 else "suggestion")


def test_a_week_of_incremental_runs_equals_full_runs_customer_by_customer():
    demo_load(customers=250, seed=3)
    shop = Shop()
    planted = plant(shop)
    first = scores_compute(as_of=START)
    assert ScoringState.objects.get().run_id == first.pk
    assert not ScoreChange.objects.exists()  # the full run consumed the changes it read
    n = first.n_customers
    for day in range(1, 8):
        day_changes(shop, day, planted)
        run = scores_compute_incremental(as_of=START + timedelta(days=day))
        run.refresh_from_db()
        assert run.status == ScoringRun.Status.SCORED, run.message
        assert run.incremental, run.message
        assert 0 < run.customers_reread < n / 4, run.message
        assert "Incremental:" in run.message
        assert_equal_to_full(run)
        assert ScoringState.objects.get().run_id == run.pk
        assert not ScoreChange.objects.exists()
    assert Customer.objects.filter(external_id="NAMESAKE-2").exists()  # back after the undo


def test_the_default_as_of_day_is_the_latest_event_as_in_a_full_run():
    demo_load(customers=80, seed=5)
    first = scores_compute()
    later = first.as_of + timedelta(days=2)
    one = Customer.objects.filter(orders__isnull=False).order_by("-pk").first()
    Order.objects.create(
        external_id="X2", customer=one, ordered_at=at(later), amount=Decimal("5000"),
        currency="IDR",
    )
    run = scores_compute_incremental()
    assert run.incremental, run.message
    assert run.as_of == later
    assert_equal_to_full(run)


def test_the_re_read_customers_are_the_changed_ones_and_those_due():
    demo_load(customers=120, seed=5)
    scores_compute(as_of=START)
    quiet = scores_compute_incremental(as_of=START + timedelta(days=1))
    assert quiet.incremental
    due = quiet.customers_reread  # nothing changed: only customers with an event due that day
    one = Customer.objects.filter(orders__isnull=False).order_by("pk").first()
    Order.objects.create(
        external_id="X1", customer=one, ordered_at=at(START + timedelta(days=2)),
        amount=Decimal("5000"), currency="IDR",
    )
    run = scores_compute_incremental(as_of=START + timedelta(days=2))
    assert run.incremental
    assert run.customers_reread <= due + 1 + Customer.objects.count() // 10
    assert_equal_to_full(run)


def test_without_a_stored_state_the_incremental_run_is_a_full_one():
    demo_load(customers=60, seed=5)
    run = scores_compute_incremental()
    assert not run.incremental
    assert "A full run: no stored state" in run.message
    assert ScoringState.objects.get().run_id == run.pk
    assert_equal_to_full(run)


def test_an_as_of_day_not_after_the_stored_one_makes_a_full_run():
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    run = scores_compute_incremental(as_of=START)
    assert not run.incremental
    assert "is not after the stored state's" in run.message


def test_changed_settings_or_rules_make_a_full_run(settings, tmp_path):
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    settings.DAUR_DEFAULT_MARGIN_RATE = 0.25
    run = scores_compute_incremental(as_of=START + timedelta(days=1))
    assert not run.incremental and "the rules or the settings changed" in run.message
    assert_equal_to_full(run)
    rules = tmp_path / "rules.toml"
    rules.write_text("[features]\nrecent_days = 300\n")
    settings.DAUR_RULES_FILE = str(rules)
    run = scores_compute_incremental(as_of=START + timedelta(days=2))
    assert not run.incremental and "the rules or the settings changed" in run.message
    assert_equal_to_full(run)
    # Unchanged since: incremental again.
    run = scores_compute_incremental(as_of=START + timedelta(days=3))
    assert run.incremental
    assert_equal_to_full(run)


def test_a_state_of_an_older_format_makes_a_full_run():
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    ScoringState.objects.update(format=0)
    run = scores_compute_incremental(as_of=START + timedelta(days=1))
    assert not run.incremental and "older format (0)" in run.message


def test_too_many_changes_make_a_full_run(settings):
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    settings.DAUR_INCREMENTAL_MAX_SHARE = 0.05
    Customer.objects.filter(pk__in=Customer.objects.order_by("pk").values("pk")[:10]).update(
        phone="+62 811"
    )
    run = scores_compute_incremental(as_of=START + timedelta(days=1))
    assert not run.incremental and "more than DAUR_INCREMENTAL_MAX_SHARE" in run.message
    assert_equal_to_full(run)


def test_a_failed_incremental_run_keeps_the_previous_scores_state_and_changes(monkeypatch):
    from daur.insights import incremental

    demo_load(customers=60, seed=5)
    first = scores_compute(as_of=START)
    before = stored_scores()
    one = Customer.objects.order_by("pk").first()
    Customer.objects.filter(pk=one.pk).update(city="Kupang")
    changes = list(ScoreChange.objects.values_list("id", flat=True))
    assert changes

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(incremental, "scores_record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        scores_compute_incremental(as_of=START + timedelta(days=1))
    failed = ScoringRun.objects.exclude(pk=first.pk).get()
    assert failed.status == ScoringRun.Status.FAILED and "disk full" in failed.message
    assert stored_scores() == before
    assert ScoringState.objects.get().run_id == first.pk
    assert list(ScoreChange.objects.values_list("id", flat=True)) == changes


def logged() -> tuple[set[int], set[int]]:
    rows = list(ScoreChange.objects.values_list("customer_id", "product_id"))
    ScoreChange.objects.all().delete()
    return {c for c, _ in rows if c is not None}, {p for _, p in rows if p is not None}


def test_every_write_path_is_captured_with_old_and_new_customers():
    logged()  # what the database's flush after an earlier test wrote
    shop = Shop.__new__(Shop)
    shop.n = 0
    shop.product = Product.objects.create(sku="S1", name="Soap", category="care", tier="budget")
    shop.products = [shop.product]
    assert logged() == (set(), {shop.product.pk})
    a, b = shop.customer("A"), shop.customer("B")
    assert logged() == ({a.pk, b.pk}, set())
    order = shop.order(a, START, 1000.0)
    assert logged() == ({a.pk}, set())
    # plain SQL, as an import or a script writes: both customers of a moved order
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE sales_order SET customer_id = {b.pk} WHERE id = {order.pk}"  # noqa: S608
        )
    assert logged() == ({a.pk, b.pk}, set())
    OrderLine.objects.filter(order=order).update(quantity=Decimal(3))
    assert logged() == ({b.pk}, set())
    Product.objects.filter(pk=shop.product.pk).update(tier="premium")
    assert logged() == (set(), {shop.product.pk})
    ticket = shop.ticket(a, START, "complaint")
    Ticket.objects.filter(pk=ticket.pk).delete()
    SurveyAnswer.objects.create(customer=b, answered_at=at(START), nps=9)
    Interaction.objects.create(customer=a, kind="visit", occurred_at=at(START))
    assert logged() == ({a.pk, b.pk}, set())
    Order.objects.filter(pk=order.pk).delete()
    Customer.objects.filter(pk=a.pk).delete()
    assert logged() == ({a.pk, b.pk}, set())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE: PostgreSQL only")
def test_a_table_emptied_by_truncate_makes_a_full_run():
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_surveyanswer CASCADE")
    run = scores_compute_incremental(as_of=START + timedelta(days=1))
    assert not run.incremental and "emptied (TRUNCATE)" in run.message
    assert_equal_to_full(run)


def test_missing_triggers_make_a_full_run():
    demo_load(customers=60, seed=5)
    scores_compute(as_of=START)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER servicedesk_ticket_score_insert ON servicedesk_ticket")
        else:
            cursor.execute("DROP TRIGGER servicedesk_ticket_score_insert")
    try:
        run = scores_compute_incremental(as_of=START + timedelta(days=1))
        assert not run.incremental
        assert "triggers are missing (servicedesk_ticket_score_insert)" in run.message
    finally:
        _triggers_restore()


def _triggers_restore() -> None:
    import importlib

    from django.db.migrations.state import ProjectState  # noqa: F401

    migration = importlib.import_module("daur.insights.migrations.0016_score_changes")
    with connection.schema_editor() as editor:
        migration.triggers_drop(None, editor)
        migration.triggers_create(None, editor)


def test_state_columns_round_trip_through_the_database():
    from daur.db.columns import columns_read, columns_write
    from daur.insights.models import ScoringStateColumn
    from daur.insights.scoring_state import COLUMNS_TABLE

    run = ScoringRun.objects.create()
    state = ScoringState.objects.create(run=run, format=1, as_of=START)
    columns = {
        "f": np.array([1.5, np.nan, -np.inf]),
        "i": np.array([1, 2, 3], dtype=np.int64),
        "b": np.array([True, False, True]),
        "s": np.array(["", "ID\x1fMedan", "é"], dtype=object),
        "none": np.zeros(0, dtype=object),
    }
    with pytest.raises(ValueError, match="record separator"):
        columns_write(COLUMNS_TABLE, "state_id", state.pk, {"bad": np.array(["a\x1eb"], object)})
    assert not ScoringStateColumn.objects.filter(state=state).exists()
    columns_write(COLUMNS_TABLE, "state_id", state.pk, columns)
    back = columns_read(COLUMNS_TABLE, "state_id", state.pk)
    assert back.keys() == columns.keys()
    for name, values in columns.items():
        assert back[name].dtype == values.dtype, name
        np.testing.assert_array_equal(back[name], values)
