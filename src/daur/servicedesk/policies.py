"""SLA policies: per priority a first-response and a resolution target, counted in the business
hours of a calendar (working days and hours in a time zone, less holidays) or in calendar hours."""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.analytics.sla import CALENDAR_HOURS, Calendar
from daur.records import vocabulary_choices

WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)


def _workdays_valid(value: str) -> None:
    try:
        days = {int(d) for d in value.split(",") if d.strip()}
    except ValueError:
        days = set()
    if not days or not days <= set(range(7)):
        raise ValidationError(
            _("Working days are numbers 0 (Monday) to 6 (Sunday), separated by commas."),
            code="workdays",
        )


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    workdays = models.CharField(
        _("working days"),
        max_length=20,
        default="0,1,2,3,4",
        validators=[_workdays_valid],
        help_text=_("0 = Monday … 6 = Sunday, separated by commas"),
    )
    day_start = models.TimeField(_("day starts"), default=time(9))
    day_end = models.TimeField(_("day ends"), default=time(17))

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.calendar(holidays=())
        except Exception as error:  # an unknown zone or an empty day, said on the form
            raise ValidationError(str(error)) from error

    def calendar(self, holidays=None) -> Calendar:  # noqa: ANN001 - dates, or read them
        if holidays is None:
            holidays = self.holidays.values_list("day", flat=True)
        return Calendar(
            time_zone=self.time_zone,
            workdays=frozenset(int(d) for d in self.workdays.split(",") if d.strip()),
            day_start=self.day_start,
            day_end=self.day_end,
            holidays=frozenset(holidays),
        )


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class SlaPolicy(models.Model):
    priority = models.CharField(
        _("priority"),
        max_length=16,
        unique=True,
        choices=vocabulary_choices(vocabulary.TICKET_PRIORITIES),
    )
    response_minutes = models.PositiveIntegerField(
        _("first response target (minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target (minutes)"), validators=[MinValueValidator(1)]
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty: the targets count calendar hours, every hour of every day."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=vocabulary.TICKET_PRIORITIES),
                name="sla_policy_priority_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(response_minutes__gte=1, resolution_minutes__gte=1),
                name="sla_policy_targets_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_priority_display())

    def sla_calendar(self) -> Calendar:
        return self.calendar.calendar() if self.calendar_id else CALENDAR_HOURS
