"""Reads behind the home page."""

from django.apps import apps

COUNTED = (
    ("customers", "customers.Customer"),
    ("products", "catalog.Product"),
    ("orders", "sales.Order"),
    ("order lines", "sales.OrderLine"),
    ("interactions", "engagement.Interaction"),
    ("tickets", "servicedesk.Ticket"),
    ("survey answers", "surveys.SurveyAnswer"),
    ("campaigns", "campaigns.Campaign"),
    ("leads", "leads.Lead"),
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
