"""Writes of campaigns made in Daur (SPEC §4 `daur campaign`, §6 Campaigns): create one for a
saved segment with an offer, and launch it — its members frozen, the hold-out drawn, coupons
issued. docs/campaigns.md."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from daur import vocabulary
from daur.actions.community import CommunityRefused, invitations_send
from daur.actions.mail import emails_queue
from daur.actions.survey_rounds import campaign_survey_round_issue
from daur.analytics.campaign_draw import coupon_codes, draw_salt, holdout_mask
from daur.campaigns.drafts import campaign_email_drafts
from daur.campaigns.models import OFFERS, Campaign, CampaignMember, Segment
from daur.community.models import Event
from daur.customers.models import Customer
from daur.db import bulk, dialect
from daur.db.copy import rows_insert
from daur.db.numeric import fetch_numeric
from daur.definitions.currency import base_amount
from daur.definitions.rules import rules_config
from daur.insights.segments import segment_members
from daur.sales.models import Order

NAME_MAX = Campaign._meta.get_field("name").max_length
SEED_MAX = Campaign._meta.get_field("seed").max_length
WINDOW_MAX = 365
LAUNCH_FIELDS = ("status", "launched_at", "seed", "recorded_launch")
WHOLE_BASE_MEMBERS = 100_000


class CampaignRefused(ValueError):
    """The campaign cannot be made or launched as asked; nothing was written. One line."""


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
    """A draft campaign; CampaignRefused (one line, naming the field) for a value it cannot take.
    `texts`: language -> (subject, body) of the e-mail, for en, id and it."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise CampaignRefused(
            _("name: a campaign needs a name of at most %(n)d characters.") % {"n": NAME_MAX}
        )
    if segment is None:
        raise CampaignRefused(_("segment: a campaign needs a target segment."))
    if offer not in OFFERS:
        raise CampaignRefused(
            _("offer: %(offer)r is not one of %(known)s.")
            % {"offer": offer, "known": ", ".join(OFFERS)}
        )
    holdout = _number("holdout", holdout)
    if not 0.0 < holdout < 1.0:
        raise CampaignRefused(
            _(
                "holdout: the hold-out share must be above 0 and below 1 (0 leaves nothing to "
                "compare with, 1 treats no one); %(value)s was given."
            )
            % {"value": holdout}
        )
    percent = _decimal("discount-percent", discount_percent)
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise CampaignRefused(_("discount-percent: a discount is above 0 and at most 100 %."))
    amount = _decimal("discount-amount", discount_amount)
    if amount is not None and amount <= 0:
        raise CampaignRefused(_("discount-amount: a discount amount is above 0."))
    if offer == "event_invitation" and event is None:
        raise CampaignRefused(_("event: an event invitation needs its event."))
    if offer != "event_invitation" and event is not None:
        raise CampaignRefused(_("event: only an event invitation targets an event."))
    if offer == "coupon" and percent is None and amount is None:
        raise CampaignRefused(_("discount-percent: a coupon offer needs its discount."))
    window = (
        rules_config().campaigns.attribution_window_days if window_days is None else window_days
    )
    if not isinstance(window, int) or not 1 <= window <= WINDOW_MAX:
        raise CampaignRefused(
            _("window-days: the attribution window is 1 to %(n)d days.") % {"n": WINDOW_MAX}
        )
    cost_value = _decimal("cost", cost)
    if cost_value is not None and cost_value < 0:
        raise CampaignRefused(_("cost: a cost is not negative."))
    if channel not in vocabulary.ACQUISITION_CHANNELS:
        raise CampaignRefused(
            _("channel: %(channel)r is not a known channel.") % {"channel": channel}
        )
    if purpose not in vocabulary.CAMPAIGN_PURPOSES:
        raise CampaignRefused(_("purpose: %(purpose)r is not a purpose.") % {"purpose": purpose})
    words = {}
    for language, (subject, body) in (texts or {}).items():
        if language not in ("en", "id", "it"):
            raise CampaignRefused(
                _("texts: %(lang)r is not a language of Daur.") % {"lang": language}
            )
        words[f"subject_{language}"] = " ".join(subject.split())[:200]
        words[f"body_{language}"] = body
    with transaction.atomic():
        campaign = Campaign.objects.create(
            external_id=f"draft-{secrets.token_hex(8)}",
            name=name,
            channel=channel,
            purpose=purpose,
            cost=cost_value,
            segment=segment,
            offer=offer,
            holdout_share=holdout,
            window_days=window,
            discount_percent=percent,
            discount_amount=amount,
            coupon_expires_on=expires,
            event=event,
            created_by=user if getattr(user, "pk", None) else None,
            **words,
        )
        # Its campaign id: C and the number, unless an imported campaign took that id.
        external = f"C{campaign.pk}"
        if Campaign.objects.filter(external_id=external).exists():
            external = f"C{campaign.pk}-{secrets.token_hex(2)}"
        campaign.external_id = external
        campaign.save(update_fields=["external_id"])
    return campaign


def _number(field: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        )
    return number


def _decimal(field: str, value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 14:
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        )
    return number.quantize(Decimal("0.01"))


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
