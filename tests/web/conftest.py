"""Web test fixtures: users of each role, and a django-axes reset for the login tests."""

from __future__ import annotations

import pytest

from tests.web.factories import user_make


@pytest.fixture
def axes_reset(db):
    """No failed login on record before or after (the attempts live in the database)."""
    from axes.utils import reset

    reset()
    yield
    reset()


@pytest.fixture
def manager(client):
    user = user_make("boss", role="manager", is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def rep(client):
    user = user_make("rep1", role="sales_rep", first_name="Rina")
    client.force_login(user)
    return user
