"""The lead score's writes: learn from the closed leads and score every open one (`daur score`),
and re-score a few open leads in real time with the last learned model (docs/lead_score.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from daur.analytics.lead_features import LeadFeatures
from daur.analytics.lead_score import LeadModel
from daur.analytics.lead_score_learn import lead_model_learn, prior_model
from daur.analytics.rules_config import LeadScoreRules
from daur.engagement.models import Interaction
from daur.insights.models import LeadScore, LeadScoreModel, ScoringRun
from daur.leads.models import Lead
from daur.vocabulary import INBOUND_INTERACTION_KINDS, INTERACTION_KINDS

logger = logging.getLogger(__name__)
CLOSED_STAGES = ("won", "lost")
RESPONSE_KINDS = tuple(k for k in INTERACTION_KINDS if k not in INBOUND_INTERACTION_KINDS)
LEAD_FIELDS = (
    "id", "source", "campaign_id", "created_at", "stage", "converted_at", "owner_id",
    "expected_value",
)
BATCH = 5_000


@dataclass(frozen=True)
class LeadRows:
    """Leads as the lead score reads them: primary keys, features and (closed ones) outcome."""

    pks: np.ndarray
    features: LeadFeatures
    won: np.ndarray
    owners: tuple = ()  # each lead's owner id and expected value, copied onto its score
    values: tuple = ()


@dataclass(frozen=True)
class LeadScoring:
    """What a learning did: the stored model row (None when nothing could be stored)."""

    model: LeadScoreModel | None
    n_open: int
    message: str


def lead_rows(*, closed: bool, as_of: datetime, pks: Iterable[int] | None = None) -> LeadRows:
    """Closed (won or lost) or open leads created by `as_of`, with their activity up to the
    close (a won lead's conversion) or up to `as_of`.

    The age (days in the pipeline) needs the moment a lead closed: it is read once leads record
    it (a `closed_at` field) and left at 0 for every lead until then, as guessing a lost lead's
    close from its activity would leak the outcome into the feature."""
    leads = Lead.objects.filter(created_at__lte=as_of)
    leads = (
        leads.filter(stage__in=CLOSED_STAGES) if closed else leads.exclude(stage__in=CLOSED_STAGES)
    )
    if pks is not None:
        leads = leads.filter(pk__in=list(pks))
    extra = [name for name in ("industry", "country", "closed_at") if _has_field(name)]
    rows = list(leads.order_by("pk").values_list(*LEAD_FIELDS, *extra, "custom_fields"))
    n = len(rows)
    pk_array = np.array([row[0] for row in rows], dtype=np.int64)
    position = {pk: i for i, pk in enumerate(pk_array.tolist())}
    counts = np.zeros((n, len(INTERACTION_KINDS)))
    first_response = [None] * n
    for lead_id, kind, count, first in _activity(leads, as_of):
        i = position[lead_id]
        counts[i, INTERACTION_KINDS.index(kind)] += count
        if kind in RESPONSE_KINDS:
            first_response[i] = min(filter(None, (first_response[i], first)))
    hours, age = np.full(n, np.nan), np.zeros(n)
    closed_column = len(LEAD_FIELDS) + extra.index("closed_at") if "closed_at" in extra else None
    for i, row in enumerate(rows):
        created = row[3]
        if first_response[i] is not None:
            hours[i] = (first_response[i] - created).total_seconds() / 3600.0
        if closed_column is not None:
            end = row[closed_column] or row[5] or as_of  # closed, converted, else still open
            age[i] = (end - created).total_seconds() / 86400.0
    attributes = {
        name: [_attribute(row, name, extra) for row in rows] for name in ("industry", "country")
    }
    features = LeadFeatures.build(
        source=[row[1] for row in rows],
        campaign=[str(row[2]) if row[2] is not None else "" for row in rows],
        industry=attributes["industry"],
        country=attributes["country"],
        activity_kinds=INTERACTION_KINDS,
        activity_counts=counts,
        first_response_hours=hours,
        age_days=age,
    )
    won = np.array([row[4] == "won" for row in rows], dtype=bool)
    return LeadRows(
        pks=pk_array, features=features, won=won, owners=tuple(row[6] for row in rows),
        values=tuple(row[7] for row in rows),
    )


def lead_scores_learn(*, as_of: date | None, rules: LeadScoreRules) -> LeadScoring:
    """Learn the lead score and replace every open lead's score. Never raises for a model that
    cannot be learned (the prior is used, saying why); if even storing fails, the previous
    scores stay and the message says so."""
    started = time.perf_counter()
    try:
        moment = _moment(as_of)
        closed = lead_rows(closed=True, as_of=moment)
        try:
            model = lead_model_learn(closed.features, closed.won, rules)
        except Exception as error:  # noqa: BLE001 - any failed fit falls back to the prior
            logger.exception("lead score: learning failed; the prior per channel is used")
            reason = f"The model could not be learned ({type(error).__name__}: {error})."
            model = prior_model(closed.features, closed.won, rules, reason=f"{reason} Prior used.")
        open_leads = lead_rows(closed=False, as_of=moment)
        row = _store(model, open_leads, moment, rules, time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001 - the customers' scores must still be stored
        logger.exception("lead score: scoring the open leads failed")
        return LeadScoring(
            model=None,
            n_open=0,
            message=f"Lead score not updated ({type(error).__name__}: {error}); the previous "
            "lead scores are kept.",
        )
    said = f" {model.reason}" if model.reason else ""
    return LeadScoring(
        model=row,
        n_open=row.n_open,
        message=f"Lead score ({model.basis}): {row.n_open} open leads scored.{said}",
    )


def lead_scores_link(scoring: LeadScoring, run: ScoringRun) -> None:
    """Record the learning with the scoring run it belongs to."""
    row = scoring.model
    if row is not None:
        LeadScoreModel.objects.filter(pk=row.pk).update(run=run)
        LeadScore.objects.filter(model=row).update(run=run)
        fits = {
            **run.fits,
            "lead_score": {
                "basis": row.basis,
                "reason": row.reason,
                "quality": row.quality,
                "n_open": row.n_open,
            },
        }
        run.fits = fits
    run.message = f"{run.message} {scoring.message}".strip()
    ScoringRun.objects.filter(pk=run.pk).update(fits=run.fits, message=run.message[:4000])


def leads_rescore(*, lead_ids: Iterable[int], rules: LeadScoreRules) -> int:
    """Re-score these open leads now with the last learned model (the prior when none was
    learned yet); closed leads lose their score. Returns how many were scored."""
    ids = sorted({int(pk) for pk in lead_ids})
    if not ids:
        return 0
    latest = LeadScoreModel.objects.order_by("-pk").first()
    moment = timezone.now()
    leads = lead_rows(closed=False, as_of=moment, pks=ids)
    if latest is not None:
        model = LeadModel.from_mapping(latest.parameters)
    else:
        closed = lead_rows(closed=True, as_of=moment)
        model = prior_model(closed.features, closed.won, rules)
    with transaction.atomic():
        LeadScore.objects.filter(lead_id__in=ids).delete()
        _insert(model, leads, latest, latest.run_id if latest else None, moment, rules, True)
    return len(leads.pks)


def _store(
    model: LeadModel, leads: LeadRows, moment: datetime, rules: LeadScoreRules, seconds: float
) -> LeadScoreModel:
    with transaction.atomic():
        row = LeadScoreModel.objects.create(
            as_of=timezone.localdate(moment),
            basis=model.basis,
            reason=model.reason,
            parameters=model.as_mapping(),
            quality=dict(model.quality),
            n_open=len(leads.pks),
            seconds=seconds,
        )
        LeadScore.objects.all().delete()
        _insert(model, leads, row, None, moment, rules, False)
    return row


def _insert(
    model: LeadModel,
    leads: LeadRows,
    row: LeadScoreModel | None,
    run_id: int | None,
    moment: datetime,
    rules: LeadScoreRules,
    realtime: bool,
) -> None:
    if not len(leads.pks):
        return
    scores = model.score(leads.features, factors_shown=rules.factors_shown)
    factors = scores.all_factors()
    day, now = timezone.localdate(moment), timezone.now()
    LeadScore.objects.bulk_create(
        (
            LeadScore(
                lead_id=int(pk),
                model=row,
                run_id=run_id,
                as_of=day,
                win_probability=float(scores.probability[i]),
                basis=model.basis,
                factors=[factor.as_mapping() for factor in factors[i]],
                scored_at=now,
                realtime=realtime,
                owner_id=leads.owners[i],
                expected_value=leads.values[i],
            )
            for i, pk in enumerate(leads.pks.tolist())
        ),
        batch_size=BATCH,
    )


def _activity(leads, as_of: datetime):  # noqa: ANN001, ANN202 - a Lead queryset; rows
    """(lead, kind, count, first moment) of the leads' interactions up to `as_of`, and for a won
    lead up to its conversion."""
    kept = Interaction.objects.filter(lead__in=leads.values("pk"), occurred_at__lte=as_of).filter(
        Q(lead__converted_at__isnull=True) | Q(occurred_at__lte=F("lead__converted_at"))
    )
    grouped = kept.values("lead_id", "kind").annotate(n=Count("id"), first=Min("occurred_at"))
    return grouped.values_list("lead_id", "kind", "n", "first").order_by()


def _moment(as_of: date | None) -> datetime:
    """The end of the as-of day; by default the last moment the leads record (a lead created or
    converted, an interaction with a lead), and never later than now: the customers' scores
    likewise default to the data's last day."""
    if as_of is None:
        now = timezone.now()
        lead_moments = Lead.objects.aggregate(a=Max("created_at"), b=Max("converted_at"))
        worked = Interaction.objects.filter(lead__isnull=False, occurred_at__lte=now)
        moments = [*lead_moments.values(), worked.aggregate(c=Max("occurred_at"))["c"]]
        latest = max((m for m in moments if m is not None), default=now)
        return min(latest, now)
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(as_of + timedelta(days=1), clock.min, tzinfo=zone) - timedelta(
        microseconds=1
    )


def _has_field(name: str) -> bool:
    return any(field.name == name for field in Lead._meta.get_fields())


def _attribute(row: tuple, name: str, extra: list[str]) -> object:
    """A lead's industry or country: its own field where the model has one, else the custom
    field of that name (the leads import keeps unknown columns there)."""
    if name in extra:
        return row[len(LEAD_FIELDS) + extra.index(name)]
    custom = row[-1] or {}
    return custom.get(name) if isinstance(custom, dict) else None
