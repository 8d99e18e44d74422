"""Orders and their lines. A negative amount is a refund."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from daur.records import MONEY, InterchangeRecord


class Order(InterchangeRecord):
    external_id = models.CharField(_("order id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # a composite index below starts with this column
    )
    ordered_at = models.DateTimeField(_("ordered"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    discount_amount = models.DecimalField(_("discount"), default=0, **MONEY)
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    channel = models.CharField(_("sales channel"), max_length=64, blank=True)
    reseller = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("reseller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resold_orders",
        db_index=False,  # a composite index below starts with this column
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            # Covering (PostgreSQL): a range of customers' orders, as a distributed scoring
            # range reads them (daur.insights.extract), is an index-only scan of that range;
            # without it every range read the whole table (orders are stored in arrival order).
            models.Index(
                fields=["customer", "ordered_at"],
                include=["id", "amount", "currency", "discount_amount", "coupon_code"],
                name="order_customer_time_idx",
            ),
            models.Index(fields=["ordered_at"], name="order_time_idx"),
            models.Index(fields=["reseller", "ordered_at"], name="order_reseller_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_amount__gte=0), name="order_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class OrderLine(InterchangeRecord):
    # The unique (order, product) index serves look-ups by order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_index=False,  # order_line_product_idx below
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount_amount = models.DecimalField(_("discount"), default=0, **MONEY)
    # The order's customer, copied: the import writes it, the database's triggers keep it
    # (daur.db.line_customer); a distributed scoring range reads its lines by it. Not a
    # constraint of its own: the order's foreign key is the one that counts.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # order_line_customer_idx below
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            # On PostgreSQL its index also holds quantity, unit_price and discount_amount
            # (INCLUDE, sales migration 0002): the lines of a distributed scoring range's orders
            # are read from the index alone. Not declared here: Django drops a unique constraint
            # with `include` on SQLite.
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique_sku"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="line_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(discount_amount__gte=0), name="line_discount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["product"], name="order_line_product_idx"),
            # A range of customers' lines, from the index alone on PostgreSQL (INCLUDE is
            # PostgreSQL's; elsewhere a plain index by customer).
            models.Index(
                fields=["customer"],
                include=("order", "product", "quantity", "unit_price", "discount_amount"),
                name="order_line_customer_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} x {self.product_id}"
