"""The buyer personas page (/personas/): the latest scoring run's personas, each in words and
figures, with its drift since the previous run and "Save as segment" (docs/personas.md). It reads
stored rows only: the run, its personas and the personas they continue."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from daur.campaigns.access import segments_creatable_by
from daur.insights.models import Persona, PersonaRun
from daur.insights.services import latest_run
from daur.web.dashboard import base_currency
from daur.web.persona_words import sentence, trait_phrase, unique_titles


@dataclass(frozen=True)
class Drift:
    size: int  # the change in buyers
    share: float  # the change in the share of the buyers (points, 0-1)
    orders_per_year: float
    discount_share: float


@dataclass(frozen=True)
class PersonaView:
    persona: Persona
    title: str
    sentence: str
    traits: list[str]
    drift: Drift | None  # None: new since the previous run


def personas_readable_by(user) -> bool:  # noqa: ANN001 - a User
    """Admins, managers and marketers (the figures are the whole base's)."""
    return segments_creatable_by(user)


def _drift(persona: Persona) -> Drift | None:
    before = persona.previous
    if before is None:
        return None
    now, then = persona.figures, before.figures
    return Drift(
        persona.size - before.size,
        persona.share - before.share,
        now.get("orders_per_year", 0.0) - then.get("orders_per_year", 0.0),
        now.get("discount_share", 0.0) - then.get("discount_share", 0.0),
    )


@login_required
@require_GET
def personas(request: HttpRequest) -> HttpResponse:
    if not personas_readable_by(request.user):
        raise PermissionDenied
    persona_run = (
        PersonaRun.objects.select_related("run")
        .only("buyers", "k", "created_at", "run", "run__as_of")
        .order_by("-created_at", "-id")
        .first()
    )
    currency = base_currency(latest_run())
    views, gone = [], 0
    if persona_run is not None:
        rows = list(
            persona_run.personas.select_related("previous")
            .defer("centre", "previous__centre")  # the clustering's, not the page's
            .order_by("number")
        )
        titles = unique_titles([p.traits for p in rows])
        for p, name in zip(rows, titles, strict=True):
            views.append(
                PersonaView(
                    p,
                    name,
                    sentence(p.figures, currency),
                    [trait_phrase(t, currency) for t in p.traits[:4]],
                    _drift(p),
                )
            )
        earlier = (
            PersonaRun.objects.filter(created_at__lt=persona_run.created_at)
            .order_by("-created_at", "-id").values("pk")[:1]
        )
        continued = {p.previous_id for p in rows if p.previous_id}
        # The previous run's personas without a successor, in one read with that run's lookup.
        gone = Persona.objects.filter(persona_run_id=Subquery(earlier)).exclude(
            pk__in=continued
        ).count()
    context = {
        "persona_run": persona_run,
        "personas": views,
        "gone": gone,
        "currency": currency,
        "can_save": segments_creatable_by(request.user),
    }
    return render(request, "web/personas/list.html", context)
