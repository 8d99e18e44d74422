"""NPS survey answers: one per customer and moment."""

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
