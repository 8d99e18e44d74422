"""Products: the category is the product line; the tier and launch date feed customer types."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.records import MONEY, InterchangeRecord, vocabulary_choices


class Product(InterchangeRecord):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    category = models.CharField(_("category"), max_length=128, db_index=True)
    tier = models.CharField(
        _("tier"), max_length=16, blank=True, choices=vocabulary_choices(vocabulary.PRODUCT_TIERS)
    )
    price = models.DecimalField(_("price"), null=True, blank=True, **MONEY)
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, **MONEY)
    launched_on = models.DateField(_("launched on"), null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier="") | models.Q(tier__in=vocabulary.PRODUCT_TIERS),
                name="product_tier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0),
                name="product_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_cost__isnull=True) | models.Q(unit_cost__gte=0),
                name="product_unit_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
