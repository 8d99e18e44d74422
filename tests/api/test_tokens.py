"""API tokens: only a hash stored, shown once, revocable, last use noted at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur.accounts.models import ApiToken
from daur.accounts.tokens import secret_hash, token_create, token_revoke, token_user
from daur.cli import main
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_stored_and_the_secret_finds_the_user():
    user = user_make("ana")
    made = token_create(user=user, name="shop")
    stored = ApiToken.objects.get(pk=made.token.pk)
    assert made.secret not in (stored.secret_hash, stored.prefix, stored.name)
    assert stored.secret_hash == secret_hash(made.secret)
    assert token_user(made.secret) == user
    assert token_user(made.secret + "x") is None
    assert token_user("") is None


def test_revoked_expired_or_inactive_tokens_find_nobody():
    user = user_make("ana")
    revoked, expired, inactive = (token_create(user=user) for _ in range(3))
    token_revoke(token_id=revoked.token.pk)
    ApiToken.objects.filter(pk=expired.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert token_user(revoked.secret) is None
    assert token_user(expired.secret) is None
    assert token_user(inactive.secret) == user
    user.is_active = False
    user.save()
    assert token_user(inactive.secret) is None


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    made = token_create(user=user_make("ana"))
    with django_assert_num_queries(2):  # the read, and the first use noted
        token_user(made.secret)
    first = ApiToken.objects.get(pk=made.token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # within the minute: the read only
        token_user(made.secret)
    assert ApiToken.objects.get(pk=made.token.pk).last_used_at == first


def test_cli_create_prints_the_token_last_and_revoke_refuses_a_bad_id(capsys):
    user = user_make("ana")
    assert main(["token", "create", "ana", "--name", "ERP"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert token_user(secret) == user
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP"
    assert main(["token", "revoke", "nope"]) == 2
    assert "not a token id" in capsys.readouterr().err
    assert main(["token", "revoke", str(token.pk + 100)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no API token" in err
    assert main(["token", "revoke", str(token.pk)]) == 0
    assert token_user(secret) is None
    assert main(["token", "create", "ghost"]) == 2


def test_profile_page_makes_and_revokes_own_tokens_only(client):
    ana, other = user_make("ana"), user_make("bo")
    theirs = token_create(user=other)
    client.force_login(ana)
    assert client.get("/profile/").status_code == 200
    response = client.post("/profile/", {"name": "my script"})
    assert response.status_code == 201
    secret = response.context["secret"]
    assert secret.encode() in response.content
    assert token_user(secret) == ana
    assert secret.encode() not in client.get("/profile/").content  # shown once
    client.post(f"/profile/tokens/{theirs.token.pk}/revoke/")
    assert token_user(theirs.secret) == other
    mine = ApiToken.objects.get(user=ana)
    client.post(f"/profile/tokens/{mine.pk}/revoke/")
    assert token_user(secret) is None
