"""Community (SPEC §6, docs/community.md): events with invitations, answers and attendance, and
clubs with members. Attendance is also an interaction of kind `event` (daur.actions.community),
so it reaches the scores."""

from django.db import models
from django.utils.translation import gettext_lazy as _

RSVPS = ("yes", "no", "maybe")


class Event(models.Model):
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Seats; empty for no limit.")
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-starts_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="event_capacity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """A customer invited to an event: their answer (empty until they give one) and whether
    they came (`attendance`: the interaction recorded for it)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="event_invitations"
    )
    rsvp = models.CharField(
        _("answer"),
        max_length=8,
        blank=True,
        choices=[("yes", _("Yes")), ("no", _("No")), ("maybe", _("Maybe"))],
    )
    attended = models.BooleanField(_("attended"), default=False)
    attendance = models.ForeignKey(
        "engagement.Interaction", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="invitation_once"),
            models.CheckConstraint(
                condition=models.Q(rsvp="") | models.Q(rsvp__in=RSVPS), name="invitation_rsvp_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"


class Club(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ClubMember(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="club_memberships"
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("club member")
        verbose_name_plural = _("club members")
        constraints = [
            models.UniqueConstraint(fields=["club", "customer"], name="club_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.club_id}: {self.customer_id}"
