"""E-mail to customers: the consent each customer gave (with every change to it) and the outbound
messages, one per key, as the mailer queues and sends them (docs/email.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CONSENT_STATUSES = ("opted_in", "opted_out", "unknown")
# How a consent changed: the unsubscribe link of a message, a staff member's edit, an import.
CONSENT_SOURCES = ("unsubscribe", "staff", "import")
EMAIL_STATUSES = ("queued", "sending", "sent", "failed", "skipped")
# Why a message was skipped (the failures carry the mail server's own words instead).
# "same_source": the customer already got (or is getting) a message of the same campaign, e.g.
# after two members' customers were merged into one (daur.actions.mail_send).
SKIP_REASONS = ("no_email", "opted_out", "same_source")


class EmailConsent(models.Model):
    """A customer's consent to e-mail now; no row is `unknown`. Its changes are EmailConsentChange
    rows, written with it by daur.actions.mail."""

    class Status(models.TextChoices):
        OPTED_IN = "opted_in", _("Opted in")
        OPTED_OUT = "opted_out", _("Opted out")
        UNKNOWN = "unknown", _("Unknown")

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="email_consent_record",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail consent")
        verbose_name_plural = _("e-mail consents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CONSENT_STATUSES), name="email_consent_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.status}"


class EmailConsentChange(models.Model):
    """One change of a customer's consent: from what to what, when, how and by whom."""

    class Source(models.TextChoices):
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        STAFF = "staff", _("Staff edit")
        IMPORT = "import", _("Import")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="email_consent_changes",
        db_index=False,  # the index below starts with this column
    )
    old_status = models.CharField(
        _("before"), max_length=16, choices=EmailConsent.Status.choices
    )
    new_status = models.CharField(_("after"), max_length=16, choices=EmailConsent.Status.choices)
    source = models.CharField(_("how"), max_length=16, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The message whose unsubscribe link made the change: a link used again changes nothing.
    email = models.ForeignKey(
        "engagement.OutboundEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_changes",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail consent change")
        verbose_name_plural = _("e-mail consent changes")
        indexes = [
            models.Index(fields=["customer", "changed_at"], name="email_consent_change_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=CONSENT_SOURCES),
                name="email_consent_change_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.old_status}->{self.new_status}"


class OutboundEmail(models.Model):
    """A message to one customer, unique per key (e.g. "campaign:12:member:345"): queueing the
    same key again writes nothing, and a message is sent at most once (queued → sending is a
    conditional update, daur.db.claim)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(_("key"), max_length=255, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="outbound_emails",
    )
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # A skip's code (SKIP_REASONS) or the mail server's answer to a refused message.
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # What queued it, e.g. "campaign:12" or "newsletter".
    source = models.CharField(_("source"), max_length=64, blank=True)
    # Service mail about the customer's own request (a ticket's reply, its satisfaction
    # question): sent whatever the marketing consent says, without the unsubscribe footer.
    transactional = models.BooleanField(
        _("transactional"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            # The sender's claim: the queued messages in order.
            models.Index(
                fields=["id"],
                condition=models.Q(status="queued"),
                name="outbound_email_queued_idx",
            ),
            models.Index(fields=["status", "id"], name="outbound_email_status_idx"),
            models.Index(fields=["source", "id"], name="outbound_email_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EMAIL_STATUSES), name="outbound_email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.key
