"""Reads behind the dashboard's record counts (shown until the base is scored)."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

COUNTED = (
    (_("customers"), "customers.Customer"),
    (_("products"), "catalog.Product"),
    (_("orders"), "sales.Order"),
    (_("order lines"), "sales.OrderLine"),
    (_("interactions"), "engagement.Interaction"),
    (_("tickets"), "servicedesk.Ticket"),
    (_("survey answers"), "surveys.SurveyAnswer"),
    (_("campaigns"), "campaigns.Campaign"),
    (_("leads"), "leads.Lead"),
)


def base_counts() -> list[tuple[str, int, str]]:
    """How many records of each kind there are, with the admin page that lists them."""
    rows = []
    for label, dotted in COUNTED:
        model = apps.get_model(dotted)
        meta = model._meta
        rows.append(
            (label, model.objects.count(), f"admin:{meta.app_label}_{meta.model_name}_changelist")
        )
    return rows
