"""An **active customer** (SPEC §1.2, §1.7 "active customers").

A customer is active when it has ordered and is neither lapsed nor lost: its life-cycle stage in
the latest scores is conversion, retention or inspiration. The stage carries every rule that says
a customer has gone: P(alive) below `lifecycle.p_alive_lapsed` (or `p_alive_lost`), no order for
longer than max(`lapse_min_days`, `lapse_gap_multiple` x its median gap), or for `lost_days` —
all from the rules config (`DAUR_RULES_FILE`) of the run that scored it. P(alive) alone would
leave out the recency rules (a customer silent for longer than its lapse threshold is lapsed
whatever the model says) and the run that fell back to the rules (no P(alive)). A prospect
(reaching, acquisition) has not ordered and is not active.

Before any scoring run there are no stages: a customer with a purchase in the `lost_days` days up
to a day counts instead (the recency rule of the stages alone).

The dashboard's "Active" tile, `daur kpi`'s active customers and the customer list filtered to
`stage=active` all use this. (The strategies' `strategy.active_p_alive` is a stricter rule of
who gets enhance, re-engineer or harvest, not this figure.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db.models import Q, QuerySet

from daur.analytics.lifecycle import ACTIVE_STAGES, INACTIVE_STAGES
from daur.analytics.rules_config import RulesConfig
from daur.definitions.rules import rules_config

# The customer list's `stage` filter value for the active stages (a saved segment may name it).
ACTIVE = "active"
__all__ = ["ACTIVE", "ACTIVE_STAGES", "INACTIVE_STAGES"]


def is_active(stage: str | None) -> bool:
    """Whether a customer with this stored life-cycle stage is active (None: not scored)."""
    return stage in ACTIVE_STAGES


def active_q(prefix: str = "") -> Q:
    """The filter for active customers on a score's `lifecycle_stage`; `prefix` reaches it from
    another model ("score__" from Customer)."""
    return Q(**{f"{prefix}lifecycle_stage__in": ACTIVE_STAGES})


def active_count(scores: QuerySet) -> int:
    """How many of these CustomerScore rows are active customers."""
    return scores.filter(active_q()).count()


def active_of_stages(stage_counts: Mapping[str, int]) -> int:
    """The active customers of a tally of customers per stage (the dashboard's)."""
    return sum(n for stage, n in stage_counts.items() if stage in ACTIVE_STAGES)


def active_order_days(rules: RulesConfig | None = None) -> int:
    """Without scores: a purchase in this many days up to a day makes a customer active."""
    return (rules or rules_config()).lifecycle.lost_days


def active_by_orders_count(orders: QuerySet, *, start: datetime, end: datetime) -> int:
    """Without scores: the customers with a purchase (amount >= 0) among these Order rows in
    [start, end)."""
    return (
        orders.filter(ordered_at__gte=start, ordered_at__lt=end, amount__gte=0)
        .values("customer_id")
        .distinct()
        .count()
    )
