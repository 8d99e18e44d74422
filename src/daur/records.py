"""What every record that arrives through interchange shares: custom fields and a change stamp."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Money: up to 99,999,999,999,999.99 — enough for IDR totals of a large distributor.
MONEY = {"max_digits": 16, "decimal_places": 2}


def vocabulary_choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """Django choices for one of the closed value sets of daur.vocabulary."""
    return [(value, _(value.replace("_", " ").capitalize())) for value in values]


class InterchangeRecord(models.Model):
    """A record that can be imported and exported as CSV (SPEC §3)."""

    custom_fields = models.JSONField(
        _("custom fields"),
        default=dict,
        blank=True,
        help_text=_("Columns of an imported file that Daur has no field for, kept verbatim."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
