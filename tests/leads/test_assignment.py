"""Assignment of leads without an owner: fair by expected value within capacity, round robin,
rules; a batch is spread; inactive users and other roles are passed by."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import override_settings

from daur.actions.leads import lead_create, leads_assign
from daur.leads.assignment import SourceWinRates
from daur.leads.assignment_reasons import reason_words
from daur.leads.models import Lead, LeadAssignmentRule
from tests.leads.factories import history_make, lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def owners(leads) -> Counter:  # noqa: ANN001
    return Counter(Lead.objects.filter(pk__in=[x.pk for x in leads]).values_list("owner__username", flat=True))


def test_win_rate_is_the_source_history_smoothed_towards_the_overall_rate():
    history_make("website", won=9, lost=1)
    history_make("email", won=1, lost=9)
    rates = SourceWinRates.learn()
    assert rates.prior == pytest.approx(11 / 22)
    assert rates.probability("website") == pytest.approx((9 + 10 * 0.5) / 20)
    assert rates.probability("email") == pytest.approx((1 + 10 * 0.5) / 20)
    assert rates.probability("coupon") == rates.prior  # no history: the overall rate


def test_a_bulk_batch_is_spread_over_the_reps_never_one():
    reps = [user_make(f"rep{i}") for i in range(3)]
    batch = [lead_make(expected_value=1_000_000) for _ in range(30)]
    leads_assign(lead_ids=[x.pk for x in batch], mode="value")
    counts = owners(batch)
    assert sorted(counts) == sorted(r.username for r in reps)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_by_value_the_rep_carrying_least_expected_value_gets_the_next_lead():
    rich, poor = user_make("rich"), user_make("poor")
    lead_make(owner=rich, expected_value=90_000_000, stage="proposal")
    lead_make(owner=poor, expected_value=1_000_000, stage="proposal")
    new = lead_make(expected_value=5_000_000)
    leads_assign(lead_ids=[new.pk], mode="value")
    new.refresh_from_db()
    assert new.owner == poor
    assert words(new).startswith("By value") and "poor" in words(new)
    assert new.assigned_at is not None


def test_a_big_lead_balances_several_small_ones():
    a, b = user_make("a"), user_make("b")
    big = lead_make(expected_value=10_000_000)
    small = [lead_make(expected_value=1_000_000) for _ in range(4)]
    leads_assign(mode="value")
    big.refresh_from_db()
    other = {a.pk: b.pk, b.pk: a.pk}[big.owner_id]
    assert all(Lead.objects.get(pk=s.pk).owner_id == other for s in small)


def test_capacity_is_respected_and_a_full_house_leaves_leads_unassigned():
    full = user_make("full", lead_capacity=1)
    lead_make(owner=full, expected_value=1)
    roomy = user_make("roomy", lead_capacity=2)
    batch = [lead_make(expected_value=1_000_000) for _ in range(3)]
    leads_assign(mode="value")
    assert owners(batch) == Counter({"roomy": 2, None: 1})
    left = Lead.objects.get(owner__isnull=True)
    assert "No sales rep has room" in words(left)
    assert roomy.leads.count() == 2


def test_inactive_users_and_other_roles_get_no_leads():
    user_make("gone", is_active=False)
    user_make("boss", role="manager")
    user_make("ads", role="marketer")
    user_make("here")
    batch = [lead_make() for _ in range(5)]
    leads_assign(mode="value")
    assert owners(batch) == Counter({"here": 5})


def test_round_robin_takes_turns_starting_with_who_waited_longest():
    reps = [user_make(f"rr{i}") for i in range(3)]
    first = [lead_make() for _ in range(2)]
    leads_assign(mode="round_robin")
    second = [lead_make() for _ in range(4)]
    leads_assign(mode="round_robin")
    assert owners(first) == Counter({"rr0": 1, "rr1": 1})
    counts = owners(first + second)
    assert counts == Counter({r.username: 2 for r in reps})


def test_rules_match_source_country_or_industry_and_fall_back_to_value():
    web, italy, other = user_make("web"), user_make("italy"), user_make("other")
    LeadAssignmentRule.objects.create(field="country", value="IT", owner=italy, priority=1)
    LeadAssignmentRule.objects.create(field="source", value="website", owner=web, priority=2)
    LeadAssignmentRule.objects.create(field="industry", value="x", owner=other, active=False)
    both = lead_make(source="website", country="it")
    site = lead_make(source="website")
    rest = lead_make(source="email", industry="x")
    leads_assign(mode="rules")
    for lead in (both, site, rest):
        lead.refresh_from_db()
    assert both.owner == italy and words(both).startswith("Rule: country is IT, to italy")
    assert site.owner == web
    assert words(rest).startswith("No rule matched. By value")


@override_settings(DAUR_LEAD_ASSIGNMENT="round_robin")
def test_a_lead_created_without_owner_is_assigned_by_the_setting():
    rep = user_make("solo")
    lead = lead_create(name="New <b>lead</b>", source="website")
    assert lead.owner == rep and words(lead).startswith("Round robin")
    kept = lead_create(name="Kept", source="email", owner=user_make("mine"))
    assert kept.owner.username == "mine" and kept.assigned_at is not None


def test_an_unknown_mode_is_refused():
    lead_make()
    with pytest.raises(ValueError, match="DAUR_LEAD_ASSIGNMENT"):
        leads_assign(mode="lottery")


def words(lead: Lead) -> str:
    return reason_words(lead.assignment_reason)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "By value: poor carried the least expected open value (500,000) of 2 reps"),
        ("id", "Menurut nilai: poor memegang nilai terbuka yang diharapkan paling kecil (500.000)"),
        ("it", "Per valore: poor aveva il valore aperto atteso più basso (500.000) tra 2"),
    ],
)
def test_the_reason_is_stored_once_and_read_in_the_readers_language(language, expected):
    from django.utils import translation

    rich, poor = user_make("rich"), user_make("poor")
    lead_make(owner=rich, expected_value=90_000_000, stage="proposal")
    lead_make(owner=poor, expected_value=1_000_000, stage="proposal")
    new = lead_make(expected_value=5_000_000)
    leads_assign(lead_ids=[new.pk], mode="value")
    new.refresh_from_db()
    with translation.override(language):
        assert words(new).startswith(expected)


def test_a_plain_text_reason_reads_as_it_is_and_a_long_name_still_fits():
    from daur.leads.assignment_reasons import REASON_LENGTH, reason_store

    assert reason_words("Assigned in the old way.") == "Assigned in the old way."
    assert reason_words('{"reason": "nonsense"}') == '{"reason": "nonsense"}'
    long = reason_store("rule", field="industry", value="x" * 128, rep="<b>" + "y" * 150)
    assert len(long) <= REASON_LENGTH
    assert reason_words(long).startswith("Rule: industry is xxx")
    with pytest.raises(ValueError, match="unknown assignment reason"):
        reason_store("whim")
