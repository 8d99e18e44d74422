"""NPS survey answers (one per customer and moment), and the survey rounds sent by link to a
segment with one invitation (a token, answered once) per customer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from daur.records import InterchangeRecord


class SurveyAnswer(InterchangeRecord):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="survey_answers",
        db_index=False,  # a composite index below starts with this column
    )
    answered_at = models.DateTimeField(_("answered"))
    nps = models.PositiveSmallIntegerField(_("NPS (0-10)"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "answered_at"], name="survey_answer_unique"
            ),
            models.CheckConstraint(condition=models.Q(nps__lte=10), name="survey_nps_range"),
        ]
        indexes = [models.Index(fields=["answered_at"], name="survey_answered_idx")]

    def __str__(self) -> str:
        return f"NPS {self.nps}"


class SurveyRound(models.Model):
    """An NPS survey sent on its own to the members of a saved segment (as they were then)."""

    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(_("sent"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    segment_name = models.CharField(_("segment"), max_length=120, blank=True)
    segment_query = models.TextField(_("segment filter"), blank=True)
    expires_at = models.DateTimeField(_("answers until"))
    follow_up_detractors = models.BooleanField(
        _("a detractor's answer opens a follow-up ticket"), default=True
    )

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")

    def __str__(self) -> str:
        return self.name


class SurveyInvitation(models.Model):
    """One customer's invitation to a round: the link's token, answered once."""

    survey_round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    token = models.CharField(max_length=64, unique=True)  # random, url-safe
    sent_at = models.DateTimeField(_("sent"))
    answer = models.OneToOneField(
        SurveyAnswer, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey_round", "customer"], name="survey_invitation_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_round} → {self.customer_id}"
