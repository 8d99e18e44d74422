"""Writes of campaigns made in Daur (SPEC §4 `daur campaign`, §6 Campaigns): create one for a
saved segment with an offer, and launch it — its members frozen, the hold-out drawn, coupons
issued. docs/campaigns.md."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from daur.actions.campaign_values import CampaignRefused, campaign_values
from daur.actions.community import CommunityRefused, invitations_send
from daur.actions.mail import emails_queue
from daur.actions.survey_rounds import campaign_survey_round_issue
from daur.analytics.campaign_draw import coupon_codes, draw_salt, holdout_mask
from daur.campaigns.drafts import campaign_email_drafts
from daur.campaigns.models import Campaign, CampaignMember, Segment
from daur.community.models import Event
from daur.customers.models import Customer
from daur.db import bulk, dialect
from daur.db.copy import rows_insert
from daur.db.numeric import fetch_numeric
from daur.definitions.currency import base_amount
from daur.insights.segments import segment_members
from daur.sales.models import Order

SEED_MAX = Campaign._meta.get_field("seed").max_length
LAUNCH_FIELDS = ("status", "launched_at", "seed", "recorded_launch")
WHOLE_BASE_MEMBERS = 100_000
__all__ = ["CampaignRefused", "Launched", "campaign_create", "campaign_launch"]


@dataclass(frozen=True)
class Launched:
    campaign: Campaign
    members: int
    treated: int
    holdout: int
    coupons: int
    emails_queued: int = 0  # the treated members' e-mails now in the outbox
    emails_skipped: int = 0  # without an address or opted out (each with its reason there)


def campaign_create(
    *,
    name: str,
    segment: Segment | None,
    offer: str,
    holdout: float = 0.10,
    discount_percent: Decimal | float | str | None = None,
    discount_amount: Decimal | float | str | None = None,
    expires: date | None = None,
    window_days: int | None = None,
    cost: Decimal | float | str | None = None,
    channel: str = "email",
    purpose: str = "retention",
    texts: dict[str, tuple[str, str]] | None = None,
    event: Event | None = None,
    user=None,  # noqa: ANN001 - the acting User, if any
) -> Campaign:
    """A draft campaign; CampaignRefused (one line, naming the field) for a value it cannot take
    (daur.actions.campaign_values). `texts`: language -> (subject, body) of the e-mail, for en,
    id and it."""
    values = campaign_values(
        name=name, segment=segment, offer=offer, holdout=holdout,
        discount_percent=discount_percent, discount_amount=discount_amount, expires=expires,
        window_days=window_days, cost=cost, channel=channel, purpose=purpose, texts=texts,
        event=event,
    )  # fmt: skip
    with transaction.atomic():
        campaign = Campaign.objects.create(
            external_id=f"draft-{secrets.token_hex(8)}",
            created_by=user if getattr(user, "pk", None) else None,
            **values,
        )
        # Its campaign id: C and the number, unless an imported campaign took that id.
        external = f"C{campaign.pk}"
        if Campaign.objects.filter(external_id=external).exists():
            external = f"C{campaign.pk}-{secrets.token_hex(2)}"
        campaign.external_id = external
        campaign.save(update_fields=["external_id"])
    return campaign


# The member table's columns, in the order `campaign_launch` writes them.
MEMBER_COLUMNS = (
    "campaign_id", "customer_id", '"group"', "coupon_code", "pre_spend",
    "pre_expected_purchases", "pre_clv", "excluded", "excluded_reason",
)  # fmt: skip


def campaign_launch(
    campaign: Campaign,
    seed: str | int | None = None,
    at: datetime | None = None,
    user=None,  # noqa: ANN001, ARG001 - the acting User, if any
) -> Launched:
    """Freeze the segment's members (the customer list of its query, over the whole base), draw
    each one's arm from (seed, campaign, customer), issue a single-use coupon to each treated
    member of a coupon offer. `at`: a launch made earlier (imported history), which sends nothing.
    Refused when launched already, without a segment or members, or `at` in the future."""
    now = timezone.now()
    if at is not None:
        if timezone.is_naive(at):
            raise CampaignRefused(_("at: the launch moment needs its time zone."))
        if at > now:
            raise CampaignRefused(_("at: a launch recorded with --at is in the past."))
    seed_text = secrets.token_hex(8) if seed is None else str(seed).strip()
    if not seed_text or len(seed_text) > SEED_MAX:
        raise CampaignRefused(_("seed: a seed is 1 to %(n)d characters.") % {"n": SEED_MAX})
    launched_at = at or now
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.launched:
            raise CampaignRefused(
                _("campaign %(id)s was launched already, on %(when)s; a campaign is launched once.")
                % {"id": locked.external_id, "when": f"{locked.launched_at:%Y-%m-%d %H:%M}"}
            )
        if locked.segment is None:
            raise CampaignRefused(
                _("campaign %(id)s has no target segment.") % {"id": locked.external_id}
            )
        try:
            members = segment_members(locked.segment)
        except ValueError as error:
            raise CampaignRefused(_("segment: %(error)s") % {"error": error}) from None
        with connection.cursor() as cursor:
            dialect.hash_memory(cursor)
        matrix = _member_figures(members, launched_at)
        if len(matrix) == 0:
            raise CampaignRefused(
                _("segment %(name)s has no customers: nothing to launch.")
                % {"name": locked.segment.name}
            )
        ids = matrix[:, 0].astype(np.int64)
        held = holdout_mask(ids, locked.holdout_share, draw_salt(seed_text, str(locked.pk)))
        coupons: list[str | None] = [None] * len(ids)
        issued = 0
        if locked.issues_coupons:
            treated_at = np.flatnonzero(~held)
            rng = np.random.default_rng(secrets.randbits(128))
            for position, code in zip(
                treated_at.tolist(), coupon_codes(locked.pk, len(treated_at), rng)
            ):
                coupons[position] = code
            issued = len(treated_at)
        count = len(ids)
        _members_insert(
            [
                [locked.pk] * count,
                ids.tolist(),
                np.where(held, "holdout", "treated").tolist(),
                coupons,
                matrix[:, 3].tolist(),
                _nullable(matrix[:, 1]),
                _nullable(matrix[:, 2]),
                [False] * count,
                [""] * count,
            ]
        )
        locked.status = "launched"
        locked.launched_at = launched_at
        locked.seed = seed_text
        locked.recorded_launch = at is not None
        if locked.started_on is None:
            locked.started_on = timezone.localdate(launched_at)
        locked.save(update_fields=[*LAUNCH_FIELDS, "started_on", "updated_at"])
        treated_ids = ids[~held].tolist()
        links = _offer_deliver(locked, treated_ids, launched_at, user) if at is None else {}
        # The treated members' e-mails join the outbox in the same transaction: a launch is
        # whole or not at all (a recorded launch, or an offer without e-mail, queues none).
        queued = emails_queue(campaign_email_drafts(locked, links))
    for name in (*LAUNCH_FIELDS, "started_on", "updated_at", "survey_round_id"):
        setattr(campaign, name, getattr(locked, name))  # the caller's object is launched too
    holdout = int(held.sum())
    return Launched(
        locked, count, count - holdout, holdout, issued,
        emails_queued=queued.queued, emails_skipped=sum(queued.skipped.values()),
    )


def _offer_deliver(
    campaign: Campaign, treated_ids: list[int], now: datetime, user  # noqa: ANN001
) -> dict[int, str]:
    """What the offer gives the treated members besides their e-mail, inside the launch: an
    `nps_survey` a survey round with a token per treated member with an e-mail (returned as each
    one's answer link); an `event_invitation` the event's invitations."""
    if campaign.offer == "nps_survey":
        reachable = list(
            Customer.objects.filter(pk__in=treated_ids).exclude(email="")
            .order_by("pk").values_list("pk", flat=True)
        )  # fmt: skip
        survey_round, links = campaign_survey_round_issue(
            name=campaign.name, customer_ids=reachable, now=now, segment=campaign.segment,
            user=user,
        )
        campaign.survey_round = survey_round
        campaign.save(update_fields=["survey_round"])
        return links
    if campaign.offer == "event_invitation":
        if campaign.event is None:
            raise CampaignRefused(_("event: an event invitation needs its event."))
        try:
            treated = Customer.objects.filter(pk__in=treated_ids).only("pk")
            invitations_send(event=campaign.event, customers=treated)
        except CommunityRefused as refusal:
            raise CampaignRefused(_("event: %(error)s") % {"error": refusal}) from None
    return {}


def _members_insert(columns: list[list]) -> None:
    """COPY the members in; a launch that at least doubles the table rebuilds its indexes and
    keys afterwards instead of maintaining them row by row (daur.db.bulk)."""
    table = CampaignMember._meta.db_table
    count = len(columns[0])
    with connection.cursor() as cursor:
        if not bulk.worth_it(cursor, table, count):
            rows_insert(table, MEMBER_COLUMNS, columns, queued=count > 100_000)
            return
        with bulk.SetAside(cursor, table):
            rows_insert(table, MEMBER_COLUMNS, columns, queued=True)


def _member_figures(members, launched_at: datetime) -> np.ndarray:  # noqa: ANN001
    """Per member, by id: id, expected purchases and 12-month CLV of the stored score (NaN
    unscored), spend before the launch in the base currency (every order before it). A large
    segment's spend is read from every customer's orders grouped in one pass (cheaper than
    selecting the segment's customers a second time); a small one's from its members' orders."""
    rows = members.values_list("id", "score__expected_orders_90d", "score__clv_12m")
    matrix = _numbers(rows, 3)
    matrix = matrix[np.argsort(matrix[:, 0], kind="stable")]
    orders = Order.objects.filter(ordered_at__lt=launched_at)
    if len(matrix) < WHOLE_BASE_MEMBERS:
        orders = orders.filter(customer_id__in=members.values("id"))
    spend = (
        orders.order_by()
        .values("customer_id")
        .annotate(total=Sum(base_amount()))
        .values_list("customer_id", "total")
    )
    spent = _numbers(spend, 2)
    pre = np.zeros(len(matrix))
    if len(spent) and len(matrix):
        at = np.minimum(np.searchsorted(matrix[:, 0], spent[:, 0]), len(matrix) - 1)
        found = matrix[at, 0] == spent[:, 0]  # the whole base's orders: members' only
        pre[at[found]] = spent[found, 1]
    return np.column_stack([matrix, pre])


def _numbers(rows, width: int) -> np.ndarray:  # noqa: ANN001 - a QuerySet of numbers
    sql, params = rows.query.sql_with_params()
    return fetch_numeric(sql, width, list(params))


def _nullable(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]
