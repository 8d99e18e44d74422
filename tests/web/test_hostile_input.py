"""Hand-made URLs get a page or a 4xx, never a 500: timeline tokens and admin lookups."""

from __future__ import annotations

from datetime import date

import pytest

from tests.web.factories import customer_make, order_make, stage_change_make

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    "before",
    [
        "0001-01-01T00:00:00+00:00~0~1",
        "0001-01-01T00:00:00+14:00~0~1",
        "9999-12-31T23:59:59+00:00~0~1",
        "9999-12-31T23:59:59-12:00~0~1",
        f"2025-03-01T00:00:00+00:00~0~{HUGE}",
        f"2025-03-01T00:00:00+00:00~{HUGE}~1",
        f"2025-03-01T00:00:00+00:00~-{HUGE}~-{HUGE}",
    ],
)
def test_a_timeline_token_at_the_ends_of_the_calendar_or_of_integers(manager, client, before):
    customer = customer_make("Token", owner=manager)
    order_make(customer)
    stage_change_make(customer, on=date(2025, 3, 2), to="retention", frm="conversion")
    response = client.get(f"/customers/{customer.pk}/timeline/", {"before": before})
    newest = client.get(f"/customers/{customer.pk}/timeline/")
    assert response.status_code == 200  # a token naming no event: the newest page
    assert response.content == newest.content and b"<tr" in newest.content


ADMIN_URLS = [
    f"/admin/customers/customer/{HUGE}/change/",
    f"/admin/customers/customer/{HUGE}/delete/",
    f"/admin/customers/customer/{HUGE}/history/",
    f"/admin/customers/customer/-{HUGE}/change/",
    f"/admin/customers/customer/?id__exact={HUGE}",
    f"/admin/customers/customer/?id={HUGE}",
    f"/admin/customers/customer/?owner__id__exact={HUGE}",
    f"/admin/sales/order/?customer__id__exact={HUGE}",
    f"/admin/sales/order/{HUGE}/change/",
    f"/admin/accounts/user/{HUGE}/change/",
    f"/admin/accounts/user/{HUGE}/password/",
]


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_the_admin_answers_huge_integers_with_a_404_or_an_ignored_filter(manager, client, url):
    customer_make("Listed")
    response = client.get(url)
    assert response.status_code in (200, 302, 404), response.status_code


def _admin_urls() -> list[str]:
    """For every model in the admin: its change, delete and history pages of a huge id, and its
    list filtered by a huge value of each integer or relation field."""
    from django.contrib import admin
    from django.db import models

    urls = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [f"{base}{HUGE}/change/", f"{base}{HUGE}/delete/", f"{base}{HUGE}/history/"]
        for field in model._meta.get_fields():
            if isinstance(field, models.IntegerField | models.ForeignKey | models.DecimalField):
                name = field.name + ("__id" if field.is_relation else "")
                urls += [
                    f"{base}?{name}__exact={HUGE}",
                    f"{base}?{name}=-{HUGE}",
                    f"{base}?{name}__in=1,{HUGE}",
                    f"{base}?{name}__gte={HUGE}",
                    f"{base}?{name}__lt=-{HUGE}",
                    f"{base}?{name}__range=1,{HUGE}",
                ]
    return urls


def test_no_admin_page_answers_a_huge_integer_with_a_500(manager, client):
    customer_make("Listed")
    client.raise_request_exception = False
    failures = [url for url in _admin_urls() if client.get(url).status_code >= 500]
    assert not failures, "\n".join(failures)
