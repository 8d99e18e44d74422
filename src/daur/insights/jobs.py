"""`daur score` as one job with one outcome: scores, then the dashboard figures and the alerts.

The run is `succeeded` only once all three are stored (docs/scoring.md, "A run's outcome")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from daur.insights.lead_scores import LeadScoring, lead_scores_learn, lead_scores_link
from daur.insights.models import ScoringRun
from daur.insights.services import rules_config, scores_compute


class FollowupsFailed(RuntimeError):
    """The scores are stored, the dashboard figures or the alerts are not."""

    def __init__(self, run: ScoringRun, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.run = run


@dataclass(frozen=True)
class ScoreJob:
    run: ScoringRun
    facts: Any  # DashboardFacts
    alerts: list[Any]  # the open Alerts
    leads: LeadScoring | None = None


def score_run(*, as_of: date | None = None) -> ScoreJob:
    """Score the base, then store the dashboard figures and the alerts; the run `succeeded`
    only then. If the figures or alerts fail, the run stays `scored` with the error in its
    message and FollowupsFailed is raised: the next run stores them again.

    The open leads are scored first (the `start` strategy of a prospect reads its lead's score);
    a lead model that cannot be learned falls back to the prior and never stops the customers'
    scoring (docs/lead_score.md)."""
    leads = lead_scores_learn(as_of=as_of, rules=rules_config().leads)
    run = scores_compute(as_of=as_of)
    lead_scores_link(leads, run)
    facts, alerts = run_followups(run)
    return ScoreJob(run=run, facts=facts, alerts=alerts, leads=leads)


def run_followups(run: ScoringRun) -> tuple[Any, list[Any]]:
    """The dashboard's figures (a dashboard request then reads one small row) and the
    behaviour-change alerts of a `scored` run, then the run `succeeded`. One after the other:
    at the same time, on two connections, they were slower on two cores (the alerts read on
    two already)."""
    from daur.insights.alerts import alerts_detect
    from daur.web.dashboard_facts import dashboard_facts_store

    orders = getattr(run, "order_rows", None)  # what scoring read, where it can be reused
    try:
        facts = dashboard_facts_store(run=run)
        alerts = alerts_detect(run=run, orders=orders)
    except BaseException as error:
        note = (
            f"The scores are stored, the dashboard figures and alerts are not "
            f"({type(error).__name__}: {error}); the next `daur score` stores them."
        )
        run.message = f"{run.message} {note}".strip()
        ScoringRun.objects.filter(pk=run.pk).update(message=run.message[:4000])
        raise FollowupsFailed(run, error) from error
    ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.SCORED).update(
        status=ScoringRun.Status.SUCCEEDED
    )
    run.status = ScoringRun.Status.SUCCEEDED
    return facts, alerts
