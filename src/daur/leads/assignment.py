"""Who gets a lead created without an owner (DAUR_LEAD_ASSIGNMENT): fair by expected value
(default), round robin, or the admin's assignment rules. Decides only; daur.actions.leads writes.

A lead's expected value is its win probability times its expected value. Until the lead score
exists the probability is the lead source's historical win rate (won / (won + lost)), smoothed
towards the overall rate with a Beta prior so that a source with three closed leads is not
called certain; `SourceWinRates` is the one place that says so and can be swapped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.leads.assignment_reasons import reason_store
from daur.leads.models import Lead, LeadAssignmentRule

# How many closed leads the overall win rate counts as, when it smooths a source's own rate.
PRIOR_STRENGTH = 10.0


class WinProbabilities(Protocol):
    """What assignment needs of a win probability: per new lead, and summed over open leads."""

    def of(self, lead: Lead) -> float: ...

    def open_value_by_owner(self, owner_ids: Sequence[int]) -> dict[int, tuple[int, float]]:
        """Per owner: (open leads, the sum of their probability x expected value)."""


@dataclass(frozen=True)
class SourceWinRates:
    """Win probability by lead source: Beta-smoothed historical win rates of closed leads."""

    rates: dict[str, float]
    prior: float
    typical_value: float  # stands in for a lead without an expected value

    @classmethod
    def learn(cls) -> SourceWinRates:
        closed = (
            Lead.objects.filter(stage__in=vocabulary.CLOSED_LEAD_STAGES)
            .values("source")
            .annotate(won=Count("id", filter=Q(stage="won")), closed=Count("id"))
        )
        counts = {row["source"]: (row["won"], row["closed"]) for row in closed}
        won_all = sum(won for won, _ in counts.values())
        closed_all = sum(n for _, n in counts.values())
        prior = (won_all + 1.0) / (closed_all + 2.0)  # Laplace: 0.5 with no history at all
        rates = {
            source: (won + PRIOR_STRENGTH * prior) / (n + PRIOR_STRENGTH)
            for source, (won, n) in counts.items()
        }
        mean = Lead.objects.filter(expected_value__gt=0).aggregate(
            total=Sum("expected_value"), n=Count("id")
        )
        typical = float(mean["total"]) / mean["n"] if mean["n"] else 1.0
        return cls(rates=rates, prior=prior, typical_value=typical)

    def probability(self, source: str) -> float:
        return self.rates.get(source, self.prior)

    def value(self, expected_value) -> float:  # noqa: ANN001 - a Decimal or None
        return self.typical_value if expected_value is None else float(expected_value)

    def of(self, lead: Lead) -> float:
        return self.probability(lead.source) * self.value(lead.expected_value)

    def open_value_by_owner(self, owner_ids: Sequence[int]) -> dict[int, tuple[int, float]]:
        rows = (
            Lead.objects.filter(owner_id__in=owner_ids, stage__in=vocabulary.OPEN_LEAD_STAGES)
            .values("owner_id", "source")
            .annotate(
                n=Count("id"),
                value=Sum("expected_value"),
                unvalued=Count("id", filter=Q(expected_value__isnull=True)),
            )
        )
        out: dict[int, tuple[int, float]] = {}
        for row in rows:
            value = float(row["value"] or 0) + row["unvalued"] * self.typical_value
            count, total = out.get(row["owner_id"], (0, 0.0))
            weighted = self.probability(row["source"]) * value
            out[row["owner_id"]] = (count + row["n"], total + weighted)
        return out


@dataclass
class RepLoad:
    """A rep who may take new leads, with what they carry now."""

    user: User
    capacity: int
    open_leads: int = 0
    open_value: float = 0.0
    last_assigned_at: datetime | None = None
    turn: int = 0  # round robin: the order of this batch's turns

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def has_room(self) -> bool:
        return self.open_leads < self.capacity


@dataclass(frozen=True)
class Assignment:
    lead_id: int
    owner_id: int | None  # None: nobody had room
    reason: str  # as stored (daur.leads.assignment_reasons); reason_words reads it


@dataclass
class AssignmentPlan:
    reps: list[RepLoad]
    rules: list[LeadAssignmentRule] = field(default_factory=list)


def user_capacity(user: User) -> int:
    return user.lead_capacity if user.lead_capacity is not None else settings.DAUR_LEAD_CAPACITY


def assignable_reps(*, lock: bool = True) -> list[User]:
    """The active sales reps, locked in id order so that concurrent assignments take turns."""
    users = User.objects.filter(is_active=True, role=Role.SALES_REP).order_by("pk")
    return list(users.select_for_update() if lock else users)


def rep_loads(users: Sequence[User], probabilities: WinProbabilities) -> list[RepLoad]:
    ids = [u.pk for u in users]
    carried = probabilities.open_value_by_owner(ids)
    last = dict(
        Lead.objects.filter(owner_id__in=ids, assigned_at__isnull=False)
        .values_list("owner_id")
        .annotate(last=Max("assigned_at"))
    )
    loads = []
    for user in users:
        count, value = carried.get(user.pk, (0, 0.0))
        loads.append(RepLoad(user, user_capacity(user), count, value, last.get(user.pk)))
    return loads


def _by_value(lead: Lead, loads: list[RepLoad], weight: float, no_rule: bool = False) -> Assignment:
    room = [r for r in loads if r.has_room]
    if not room:
        return Assignment(lead.pk, None, reason_store("no_room", no_rule=no_rule))
    rep = min(room, key=lambda r: (r.open_value, r.open_leads, r.user.pk))
    reason = reason_store(
        "value", no_rule=no_rule, rep=rep.name, carried=round(rep.open_value), reps=len(room),
        adds=round(weight),
    )
    rep.open_value += weight
    rep.open_leads += 1
    return Assignment(lead.pk, rep.user.pk, reason)


def _round_robin(lead: Lead, loads: list[RepLoad], turns: itertools.count) -> Assignment:
    room = [r for r in loads if r.has_room]
    if not room:
        return Assignment(lead.pk, None, reason_store("no_room"))
    never = datetime.min.replace(tzinfo=None)
    rep = min(
        room,
        key=lambda r: (
            r.turn,
            (r.last_assigned_at.replace(tzinfo=None) if r.last_assigned_at else never),
            r.user.pk,
        ),
    )
    rep.turn = next(turns)
    rep.open_leads += 1
    return Assignment(
        lead.pk, rep.user.pk, reason_store("round_robin", rep=rep.name, reps=len(room))
    )


def _matching_rule(lead: Lead, rules: list[LeadAssignmentRule], loads: dict[int, RepLoad]):  # noqa: ANN202
    for rule in rules:
        value = str(getattr(lead, rule.field, "") or "")
        rep = loads.get(rule.owner_id)
        if value.casefold() == rule.value.casefold() and rep is not None and rep.has_room:
            return rule, rep
    return None, None


def assignments_plan(
    leads: Sequence[Lead],
    *,
    mode: str | None = None,
    probabilities: WinProbabilities | None = None,
    lock: bool = True,
) -> list[Assignment]:
    """An owner (or none, when no rep has room) and the reason, for each of `leads`.

    Every decision counts the ones before it, so a batch is spread over the reps rather than
    all given to whoever carried least when it began. By value, the most valuable leads are
    placed first (the greedy rule that keeps the totals closest).
    """
    mode = mode or settings.DAUR_LEAD_ASSIGNMENT
    if mode not in vocabulary.LEAD_ASSIGNMENT_MODES:
        raise ValueError(f"DAUR_LEAD_ASSIGNMENT must be one of {vocabulary.LEAD_ASSIGNMENT_MODES}")
    probabilities = probabilities or SourceWinRates.learn()
    loads = rep_loads(assignable_reps(lock=lock), probabilities)
    weights = {lead.pk: probabilities.of(lead) for lead in leads}
    ordered = sorted(leads, key=lambda lead: (-weights[lead.pk], lead.pk))
    if mode == "round_robin":
        turns = itertools.count(1)
        return [_round_robin(lead, loads, turns) for lead in sorted(leads, key=lambda x: x.pk)]
    if mode == "value":
        return [_by_value(lead, loads, weights[lead.pk]) for lead in ordered]
    rules = list(LeadAssignmentRule.objects.filter(active=True).order_by("priority", "pk"))
    by_user = {r.user.pk: r for r in loads}
    out = []
    for lead in ordered:
        rule, rep = _matching_rule(lead, rules, by_user)
        if rule is None:
            out.append(_by_value(lead, loads, weights[lead.pk], no_rule=True))
            continue
        rep.open_value += weights[lead.pk]
        rep.open_leads += 1
        reason = reason_store("rule", field=rule.field, value=rule.value, rep=rep.name)
        out.append(Assignment(lead.pk, rep.user.pk, reason))
    return out
