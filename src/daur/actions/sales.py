"""Recording an order with its lines (their products looked up in the catalogue): the customer is
re-scored once the order commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from daur.campaigns.coupons import CouponUse, coupon_refusals, coupons_redeem
from daur.catalog.models import Product
from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit
from daur.sales.models import Order, OrderLine


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: Decimal
    unit_price: Decimal
    discount_amount: Decimal = Decimal(0)


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    external_id: str,
    ordered_at: datetime,
    amount: Decimal | None = None,
    currency: str | None = None,
    discount_amount: Decimal = Decimal(0),
    coupon_code: str = "",
    channel: str = "",
    reseller: Customer | None = None,
    lines: list[LineInput] | tuple[LineInput, ...] = (),
) -> Order:
    """Create an order and its lines (all or none); the amount defaults to the lines' total less
    discounts; a campaign's coupon is redeemed by it. Raises ValueError, writing nothing, for an
    unknown SKU, a reseller that is not an intermediary or a campaign coupon the order may not
    use (daur.campaigns.coupons)."""
    if ordered_at.tzinfo is None:
        raise ValueError("ordered_at must be timezone-aware")
    if reseller is not None and reseller.relationship != "intermediary":
        raise ValueError(f"{reseller} is not an intermediary (reseller) customer")
    products = {p.sku: p for p in Product.objects.filter(sku__in=[line.sku for line in lines])}
    missing = sorted({line.sku for line in lines} - products.keys())
    if missing:
        raise ValueError(f"unknown SKU(s): {', '.join(missing)}")
    if coupon_code:
        use = CouponUse(0, external_id, customer.external_id, coupon_code, ordered_at)
        for _, reason in coupon_refusals([use]):
            raise ValueError(reason)
    gross = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
    if amount is None:
        amount = gross - discount_amount
    order = Order.objects.create(
        customer=customer,
        external_id=external_id,
        ordered_at=ordered_at,
        amount=amount,
        currency=(currency or settings.DAUR_DEFAULT_CURRENCY).upper(),
        discount_amount=discount_amount,
        coupon_code=coupon_code,
        channel=channel,
        reseller=reseller,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            customer=customer,  # the order's, copied (daur.db.line_customer)
            product=products[line.sku],
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_amount=line.discount_amount,
        )
        for line in lines
    )
    coupons_redeem([(coupon_code, order.pk, ordered_at)])
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return order
