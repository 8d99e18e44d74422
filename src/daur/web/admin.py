"""The admin's edits of the records that shape a customer's scores: orders, interactions, tickets
and survey answers. Each save or delete re-scores the record's customer once it commits, as the
actions do (daur.actions); the domain apps define these admins, the interface registers them
with the re-score (domain apps never import daur.insights). Django loads this module after the
domain apps' admin modules (daur.web comes last in INSTALLED_APPS)."""

from __future__ import annotations

from django.contrib import admin

from daur.engagement.admin import InteractionAdmin
from daur.engagement.models import Interaction
from daur.insights.realtime import customers_rescore_on_commit
from daur.sales.admin import OrderAdmin
from daur.sales.models import Order
from daur.servicedesk.admin import TicketAdmin
from daur.servicedesk.models import Ticket
from daur.surveys.admin import SurveyAnswerAdmin
from daur.surveys.models import SurveyAnswer


class RescoresCustomer(admin.ModelAdmin):
    """Saves and deletes, one at a time or selected in the list, re-score the customers (both
    of them when a record moves to another customer)."""

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        previous = form.initial.get("customer") if change else None
        super().save_model(request, obj, form, change)
        customers_rescore_on_commit(customer_ids=[obj.customer_id, previous])

    def delete_model(self, request, obj):  # noqa: ANN001
        customer_id = obj.customer_id
        super().delete_model(request, obj)
        customers_rescore_on_commit(customer_ids=[customer_id])

    def delete_queryset(self, request, queryset):  # noqa: ANN001
        customer_ids = list(queryset.values_list("customer_id", flat=True))
        super().delete_queryset(request, queryset)
        customers_rescore_on_commit(customer_ids=customer_ids)


@admin.register(Order)
class RescoringOrderAdmin(RescoresCustomer, OrderAdmin):
    pass


@admin.register(Interaction)
class RescoringInteractionAdmin(RescoresCustomer, InteractionAdmin):
    pass


@admin.register(Ticket)
class RescoringTicketAdmin(RescoresCustomer, TicketAdmin):
    pass


@admin.register(SurveyAnswer)
class RescoringSurveyAnswerAdmin(RescoresCustomer, SurveyAnswerAdmin):
    pass


from daur.web import admin_servicedesk  # noqa: E402, F401 - registers the desk's settings
