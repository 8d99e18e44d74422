"""Edits in the admin re-score the customers of the records that shape their scores, once, after
the commit; the domain apps' admins keep their look."""

from __future__ import annotations

import pytest
from django.contrib import admin

from daur.engagement.admin import InteractionAdmin
from daur.engagement.models import Interaction
from daur.sales.admin import OrderAdmin
from daur.sales.models import Order
from daur.servicedesk.admin import TicketAdmin
from daur.servicedesk.models import Ticket
from daur.surveys.admin import SurveyAnswerAdmin
from daur.surveys.models import SurveyAnswer
from daur.web.admin import RescoresCustomer
from tests.web.factories import customer_make, order_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("model", "domain_admin"),
    [
        (Order, OrderAdmin),
        (Interaction, InteractionAdmin),
        (Ticket, TicketAdmin),
        (SurveyAnswer, SurveyAnswerAdmin),
    ],
)
def test_the_records_that_shape_scores_are_registered_with_the_rescore(model, domain_admin):
    registered = admin.site._registry[model]
    assert isinstance(registered, RescoresCustomer) and isinstance(registered, domain_admin)
    assert registered.list_display == domain_admin.list_display


def test_deleting_selected_orders_rescores_their_customers_once(client, manager, rescored):
    first, second = customer_make(), customer_make()
    orders = [order_make(first), order_make(second), order_make(first)]
    page = client.post(
        "/admin/sales/order/",
        {"action": "delete_selected", "_selected_action": [o.pk for o in orders], "post": "yes"},
    )
    assert page.status_code == 302
    assert not Order.objects.exists()
    assert rescored == [sorted([first.pk, second.pk])]


def test_moving_an_answer_to_another_customer_rescores_both(client, manager, rescored):
    before, after = customer_make(), customer_make()
    answer = SurveyAnswer.objects.create(
        customer=before, answered_at="2025-06-01T10:00:00+00:00", nps=3
    )
    page = client.post(
        f"/admin/surveys/surveyanswer/{answer.pk}/change/",
        {
            "customer": after.pk,
            "answered_at_0": "2025-06-01",
            "answered_at_1": "10:00:00",
            "nps": 9,
            "comment": "",
            "custom_fields": "{}",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert SurveyAnswer.objects.get(pk=answer.pk).customer_id == after.pk
    assert rescored == [sorted([before.pk, after.pk])]
