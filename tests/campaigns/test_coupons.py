"""A campaign coupon on an order: accepted once, by its member, before its expiry; refused with
the line, the column and the reason in an import, which then writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.actions.sales import order_record
from daur.interchange.importer import import_file
from daur.interchange.outcome import ImportFailed
from daur.sales.models import Order
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db
HEADER = "order_id,customer_id,ordered_at,amount,coupon_code\n"


@pytest.fixture
def coupons(base):
    campaign = campaign_create(
        name="C", segment=base["segment"], offer="coupon", holdout=0.3, discount_percent=10,
        expires=date(2025, 7, 31),
    )
    campaign_launch(campaign, seed="k", at=LAUNCH)
    members = list(campaign.members.select_related("customer").order_by("pk"))
    treated = [m for m in members if m.group == "treated"]
    held = [m for m in members if m.group == "holdout"]
    return campaign, treated, held


def line(n, member, code=None, day="2025-07-10", customer=None):
    customer = customer or member.customer.external_id
    return f"N{n},{customer},{day}T10:00:00+00:00,100000,{code or member.coupon_code}\n"


def test_an_import_redeems_each_coupon_once(coupons, write_csv):
    campaign, treated, _ = coupons
    lower = " " + treated[1].coupon_code.lower()
    shop = f"N3,{treated[2].customer.external_id},2025-07-10,5,HEMAT\n"
    path = write_csv("o.csv", HEADER + line(1, treated[0]) + line(2, treated[1], lower) + shop)
    import_file(kind="orders", path=path)
    first = campaign.members.get(pk=treated[0].pk)
    assert first.redeemed_order.external_id == "N1"
    assert first.redeemed_at.isoformat() == "2025-07-10T10:00:00+00:00"
    assert campaign.members.get(pk=treated[1].pk).redeemed_order.external_id == "N2"
    assert campaign.members.exclude(redeemed_order=None).count() == 2
    import_file(kind="orders", path=path)  # the same file again: the same orders, accepted
    assert campaign.members.exclude(redeemed_order=None).count() == 2


def test_bad_coupon_uses_are_reported_by_line_and_nothing_is_written(coupons, write_csv):
    _, treated, held = coupons
    import_file(kind="orders", path=write_csv("a.csv", HEADER + line(1, treated[0])))
    rows = [
        line(2, treated[0]),  # used already, by N1
        line(3, treated[1], day="2025-08-01"),  # after the expiry day
        line(4, treated[2], customer=held[0].customer.external_id),  # not its member
        line(5, treated[3], code="CP999-ABCDEFGH"),  # no campaign issued it
        line(6, treated[4]),
        line(7, treated[4]),  # twice in the file
        line(8, treated[5], day="2025-06-30"),  # before the launch
    ]
    path = write_csv("b.csv", HEADER + "".join(rows))
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="orders", path=path)
    code = {m.pk: m.coupon_code for m in treated}
    reasons = {(p.line, p.column): p.reason for p in failure.value.problems}
    assert reasons == {
        (2, "coupon_code"): f"coupon {code[treated[0].pk]} was used already, on order N1; "
        "a coupon is used once",
        (3, "coupon_code"): f"coupon {code[treated[1].pk]} expired on 2025-07-31",
        (4, "coupon_code"): f"coupon {code[treated[2].pk]} was not issued to customer "
        f"{held[0].customer.external_id}",
        (5, "coupon_code"): "coupon CP999-ABCDEFGH is unknown: no campaign issued it",
        (7, "coupon_code"): f"coupon {code[treated[4].pk]} is used twice in this file, "
        "first on line 6",
        (8, "coupon_code"): f"coupon {code[treated[5].pk]} is dated before its campaign "
        f"{treated[0].campaign.external_id} began",
    }
    assert not Order.objects.filter(external_id__in=[f"N{n}" for n in range(2, 9)]).exists()
    assert treated[0].campaign.members.exclude(redeemed_order=None).count() == 1


def test_skip_invalid_redeems_only_the_good_rows(coupons, write_csv):
    campaign, treated, held = coupons
    path = write_csv("c.csv", HEADER + line(1, treated[0])
                     + line(2, treated[1], customer=held[0].customer.external_id))
    result = import_file(kind="orders", path=path, skip_invalid=True)
    assert result.rejected == 1
    assert list(campaign.members.exclude(redeemed_order=None).values_list("pk", flat=True)) == [
        treated[0].pk
    ]


def test_order_record_checks_and_redeems(coupons):
    campaign, treated, held = coupons
    member = treated[0]
    at = LAUNCH + timedelta(days=2)
    order = order_record(customer=member.customer, external_id="W1", ordered_at=at,
                         amount=Decimal(5), coupon_code=member.coupon_code)
    member.refresh_from_db()
    assert member.redeemed_order == order and member.redeemed_at == at
    with pytest.raises(ValueError, match="was used already, on order W1"):
        order_record(customer=member.customer, external_id="W2", ordered_at=at,
                     amount=Decimal(5), coupon_code=member.coupon_code)
    with pytest.raises(ValueError, match="was not issued to customer"):
        order_record(customer=held[0].customer, external_id="W3", ordered_at=at,
                     amount=Decimal(5), coupon_code=treated[1].coupon_code)
    assert not Order.objects.filter(external_id__in=["W2", "W3"]).exists()
    # A shop's own code is no campaign's: accepted as ever.
    order_record(customer=member.customer, external_id="W4", ordered_at=at, amount=Decimal(5),
                 coupon_code="HEMAT")
