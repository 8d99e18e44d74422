"""Campaigns: what we spent, through which channel, to acquire or retain customers; a campaign
made in Daur targets a saved segment with an offer, and its launch freezes the members into a
treated group and a randomised hold-out (CampaignMember)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.records import MONEY, InterchangeRecord, vocabulary_choices

OFFERS = (
    "newsletter", "coupon", "vip_discount", "loyalty_promotion", "event_invitation", "nps_survey",
)  # fmt: skip
# Every offer reaches its treated members by e-mail (daur.campaigns.drafts).
EMAIL_OFFERS = OFFERS
STATUSES = ("draft", "launched")
GROUPS = ("treated", "holdout")
OFFER_CHOICES = [
    ("newsletter", _("Newsletter")),
    ("coupon", _("Coupon")),
    ("vip_discount", _("VIP discount")),
    ("loyalty_promotion", _("Loyalty promotion")),
    ("event_invitation", _("Event invitation")),
    ("nps_survey", _("NPS survey")),
]
STATUS_CHOICES = [("draft", _("Draft")), ("launched", _("Launched"))]
GROUP_CHOICES = [("treated", _("Treated")), ("holdout", _("Hold-out"))]
LANGUAGES = ("en", "id", "it")


class Campaign(InterchangeRecord):
    external_id = models.CharField(_("campaign id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    channel = models.CharField(
        _("channel"), max_length=32, choices=vocabulary_choices(vocabulary.ACQUISITION_CHANNELS)
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=16,
        default="acquisition",
        choices=vocabulary_choices(vocabulary.CAMPAIGN_PURPOSES),
    )
    cost = models.DecimalField(_("cost"), null=True, blank=True, **MONEY)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # The workflow of a campaign made in Daur (an imported one leaves these empty).
    segment = models.ForeignKey(
        "campaigns.Segment",
        verbose_name=_("target segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    offer = models.CharField(
        _("offer"), max_length=24, blank=True, db_default="", choices=OFFER_CHOICES
    )
    holdout_share = models.FloatField(_("hold-out share"), default=0.10, db_default=0.10)
    window_days = models.PositiveIntegerField(
        _("attribution window (days)"), default=30, db_default=30
    )
    discount_percent = models.DecimalField(
        _("discount percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    discount_amount = models.DecimalField(_("discount amount"), null=True, blank=True, **MONEY)
    coupon_expires_on = models.DateField(_("coupon expires on"), null=True, blank=True)
    # The event an `event_invitation` invites to; the survey round an `nps_survey`'s launch made.
    event = models.ForeignKey(
        "community.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    survey_round = models.OneToOneField(
        "surveys.SurveyRound",
        verbose_name=_("survey round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign",
    )
    subject_en = models.CharField(
        _("subject (English)"), max_length=200, blank=True, db_default=""
    )
    body_en = models.TextField(_("body (English)"), blank=True, db_default="")
    subject_id = models.CharField(
        _("subject (Indonesian)"), max_length=200, blank=True, db_default=""
    )
    body_id = models.TextField(_("body (Indonesian)"), blank=True, db_default="")
    subject_it = models.CharField(
        _("subject (Italian)"), max_length=200, blank=True, db_default=""
    )
    body_it = models.TextField(_("body (Italian)"), blank=True, db_default="")
    seed = models.CharField(_("seed"), max_length=64, blank=True, db_default="")
    status = models.CharField(
        _("status"), max_length=16, default="draft", db_default="draft", choices=STATUS_CHOICES
    )
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    # Launched earlier and recorded afterwards (`daur campaign launch --at`): nothing is sent.
    recorded_launch = models.BooleanField(
        _("launch recorded afterwards"), default=False, db_default=False
    )
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=vocabulary.ACQUISITION_CHANNELS),
                name="campaign_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=vocabulary.CAMPAIGN_PURPOSES),
                name="campaign_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="campaign_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="campaign_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(holdout_share__gt=0) & models.Q(holdout_share__lt=1),
                name="campaign_holdout_share_open_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(window_days__gte=1), name="campaign_window_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(offer="") | models.Q(offer__in=OFFERS),
                name="campaign_offer_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=STATUSES), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(launched_at__isnull=False),
                name="campaign_launched_has_moment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def launched(self) -> bool:
        return self.status == "launched"

    @property
    def sends_email(self) -> bool:
        return self.offer in EMAIL_OFFERS

    @property
    def issues_coupons(self) -> bool:
        return self.offer == "coupon"

    def email_text(self, language: str) -> tuple[str, str]:
        """The subject and body in `language`, or in English where that language has none."""
        subject = getattr(self, f"subject_{language}", "") or self.subject_en
        body = getattr(self, f"body_{language}", "") or self.body_en
        return subject, body


class Segment(models.Model):
    """A saved customer list: its name and the list's query string (docs/segments.md). Its
    members are whatever the list of that query holds now; each scoring run stores its figures
    (daur.insights.models.SegmentSnapshot)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """A customer frozen into a launched campaign, in the arm drawn for them (treated or the
    hold-out, which gets nothing), with what they looked like before the launch: their spend, the
    expected purchases of their stored score (the CUPED covariate) and their predicted CLV.

    Not unique per (campaign, customer): a merge moves the duplicate's membership to the customer
    kept (daur.actions.customers_merge) and flags them out of the read-out (`excluded`)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="campaign_memberships",
    )
    group = models.CharField(_("group"), max_length=8, choices=GROUP_CHOICES)
    coupon_code = models.CharField(
        _("coupon code"), max_length=32, null=True, blank=True, unique=True
    )
    redeemed_order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("redeemed on order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    pre_spend = models.FloatField(_("spend before the launch"), default=0.0)
    pre_expected_purchases = models.FloatField(
        _("expected purchases before the launch"), null=True, blank=True
    )
    pre_clv = models.FloatField(
        _("predicted 12-month CLV before the launch"), null=True, blank=True
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    excluded = models.BooleanField(_("left out of the read-out"), default=False)
    excluded_reason = models.CharField(_("why left out"), max_length=255, blank=True)
    excluded_by_merge = models.IntegerField(null=True, blank=True)  # the CustomerMerge's pk

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        indexes = [
            models.Index(fields=["campaign", "customer"], name="campaign_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(group__in=GROUPS), name="campaign_member_group_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.customer_id} ({self.group})"
