"""Customers: who buys from us, what they are to us, where they came from, who owns them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from daur import vocabulary
from daur.records import InterchangeRecord, vocabulary_choices


class Customer(InterchangeRecord):
    external_id = models.CharField(_("customer id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=vocabulary_choices(vocabulary.CUSTOMER_KINDS),
        default="person",
    )
    relationship = models.CharField(
        _("relationship"),
        max_length=16,
        choices=vocabulary_choices(vocabulary.RELATIONSHIPS),
        default="external",
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=128, blank=True)
    industry = models.CharField(_("industry"), max_length=128, blank=True)
    acquired_via = models.CharField(
        _("acquired via"),
        max_length=32,
        blank=True,
        choices=vocabulary_choices(vocabulary.ACQUISITION_CHANNELS),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="acquired_customers",
    )
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,  # a composite index below starts with this column
    )
    # db_default: the import's and the demo's bulk inserts name only the columns they carry.
    email_consent = models.BooleanField(
        _("consent to e-mail"),
        default=True,
        db_default=True,
        help_text=_("Unticked when the customer asked not to receive e-mail from us."),
    )
    # The language e-mail is written in; blank: the business's (settings.LANGUAGE_CODE).
    language = models.CharField(
        _("language"), max_length=8, blank=True, db_default="", choices=settings.LANGUAGES
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Who changed what and when, for each save through the ORM (the web form, the admin). Bulk
    # imports write with COPY and INSERT ... SELECT: they are recorded as an import run instead.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "custom_fields"],
        user_db_constraint=False,
        cascade_delete_history=False,
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["country", "city"], name="customer_market_idx"),
            models.Index(fields=["industry"], name="customer_industry_idx"),
            models.Index(fields=["relationship", "id"], name="customer_relationship_idx"),
            models.Index(fields=["owner", "id"], name="customer_owner_idx"),
            models.Index(fields=["acquired_via", "created_at"], name="customer_channel_idx"),
            models.Index(fields=["created_at"], name="customer_created_idx"),
            # The list's "newest first" keyset order.
            models.Index(fields=["created_at", "id"], name="customer_created_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=vocabulary.CUSTOMER_KINDS), name="customer_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(relationship__in=vocabulary.RELATIONSHIPS),
                name="customer_relationship_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(acquired_via="")
                | models.Q(acquired_via__in=vocabulary.ACQUISITION_CHANNELS),
                name="customer_acquired_via_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(referred_by=models.F("id")), name="customer_not_self_referred"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Consumer(models.Model):
    """Who uses what the customer buys (a child the parent buys for): kept, not analysed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consumers")
    name = models.CharField(_("name"), max_length=255)
    relation = models.CharField(_("relation"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consumer")
        verbose_name_plural = _("consumers")

    def __str__(self) -> str:
        return self.name


class CustomerMerge(models.Model):
    """One duplicate merged into a kept customer: who, when, and exactly what moved.

    The customers are named by id rather than linked, so the record outlives either of them (the
    duplicate is deleted by the merge; the kept one may later be merged away itself). `snapshot`
    holds the duplicate's fields, `moved` the ids moved per relation ("sales.Order.customer":
    [ids]), `filled` the kept customer's fields that were blank and took the duplicate's value
    (field: the value before). Undoing restores the duplicate and moves back exactly those.
    """

    kept_customer_id = models.BigIntegerField(_("kept customer"))
    kept_external_id = models.CharField(_("kept customer id"), max_length=64)
    duplicate_customer_id = models.BigIntegerField(_("merged customer"))
    duplicate_external_id = models.CharField(_("merged customer id"), max_length=64)
    score = models.FloatField(_("duplicate score"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    merged_at = models.DateTimeField(_("merged"), default=timezone.now)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    snapshot = models.JSONField(_("merged customer's fields"), default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    filled = models.JSONField(_("fields filled on the kept customer"), default=dict)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-id"]
        indexes = [
            models.Index(fields=["duplicate_external_id"], name="merge_duplicate_idx"),
            models.Index(fields=["kept_customer_id"], name="merge_kept_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_external_id} → {self.kept_external_id}"

    @property
    def moved_count(self) -> int:
        return sum(len(ids) for ids in self.moved.values())
