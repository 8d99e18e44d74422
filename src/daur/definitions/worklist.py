"""The **value at stake** of an item on a sales rep's worklist (SPEC §6 "A sales rep's day").

- A customer to protect, regain or enhance: its **CLV at risk**, the predicted 12-month CLV
  times the chance it is gone, `clv_12m x (1 - P(alive))`. A customer without a P(alive) (a run
  that fell back to the rules) has all of its CLV at stake; one without a CLV has nothing
  measurable at stake and sorts last.
- An open lead: its **expected value x win probability**. A lead without an expected value, or
  not scored yet, has nothing measurable at stake and sorts last.
- An overdue activity has no value of its own: the oldest due comes first.

The worklist (daur.insights.worklist) ranks by these expressions in the database; `*_at_stake`
are the same rules for one item already read (tests, documentation).
"""

from __future__ import annotations

from django.db.models import F, FloatField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce

# The strategies (SPEC §1.5) whose customers a rep works on: the others are left to automated
# contact (harvest), another channel (re-engineer), no outreach (end) or the leads (start).
WORKLIST_STRATEGIES = ("protect", "regain", "enhance")


def customer_at_stake(clv_12m: float | None, p_alive: float | None) -> float:
    """clv_12m x (1 - P(alive)); no P(alive): the whole CLV; no CLV: 0."""
    if clv_12m is None:
        return 0.0
    return float(clv_12m) * (1.0 - (p_alive if p_alive is not None else 0.0))


def lead_at_stake(expected_value: float | None, win_probability: float | None) -> float:
    """expected value x win probability; either unknown: 0."""
    if expected_value is None or win_probability is None:
        return 0.0
    return float(expected_value) * float(win_probability)


def customer_at_stake_expr(prefix: str = "score__") -> Combinable:
    """customer_at_stake in SQL, on a CustomerScore reached through `prefix`."""
    clv = Coalesce(F(f"{prefix}clv_12m"), Value(0.0), output_field=FloatField())
    p_alive = Coalesce(F(f"{prefix}p_alive"), Value(0.0), output_field=FloatField())
    return clv * (Value(1.0) - p_alive)


def lead_at_stake_expr(score_prefix: str = "score__") -> Combinable:
    """lead_at_stake in SQL, on a Lead (its LeadScore through `score_prefix`)."""
    value = Coalesce(
        Cast("expected_value", FloatField()), Value(0.0), output_field=FloatField()
    )
    probability = Coalesce(
        F(f"{score_prefix}win_probability"), Value(0.0), output_field=FloatField()
    )
    return value * probability
