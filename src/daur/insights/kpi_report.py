"""The KPIs as one JSON-ready mapping (dates ISO, numbers plain) or as a readable text report."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from daur.insights.acquisition import AcquisitionRow
from daur.insights.kpi_cohorts import CohortRetention
from daur.insights.kpis import Kpis, SegmentValue

NONE = "—"


def kpis_as_mapping(kpis: Kpis) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    mapping = plain(dataclasses.asdict(kpis))
    mapping["period"]["days"] = kpis.period.days
    return mapping


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return NONE
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{100 * value:.1f} %"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Columns aligned: the first to the left, the others (figures) to the right."""
    if not rows:
        return [f"{indent}(none)"]
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = (str(c) for c in cells)
        parts = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:])]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def _acquisition_rows(rows: Sequence[AcquisitionRow], label: str) -> list[str]:
    headers = (label, "acquired", "buyers", "1st-order value", "CLV 12m", "cost", "CAC", "CLV:CAC")
    return _table(
        headers,
        [
            (
                (f"{r.key} {r.name}" if r.name != r.key else r.key) or "(none)",
                _num(r.acquired),
                _num(r.buyers),
                _num(r.first_order_value),
                _num(r.predicted_clv),
                _num(r.cost),
                _num(r.cac),
                _num(r.clv_to_cac, 2),
            )
            for r in rows
        ],
    )


def _segments(rows: Sequence[SegmentValue], label: str) -> list[str]:
    return _table(
        (label, "customers", "CLV 12m"),
        [(r.name or "(none)", _num(r.customers), _num(r.predicted_clv)) for r in rows],
    )


def _cohorts(retention: CohortRetention) -> list[str]:
    """The triangle: a row per first-purchase month, a column per month after it."""
    width = max((len(c.retention) for c in retention.cohorts), default=0)
    partial = " (the last month counts to the period's end)" if retention.last_month_partial else ""
    return [
        f"  cohort retention: who bought again k months after the first-purchase month{partial}",
        *_table(
            ("cohort", "customers", *(f"+{k}" for k in range(1, width + 1))),
            [
                (
                    c.month.strftime("%Y-%m"),
                    _num(c.customers),
                    *(_pct(x) for x in c.retention),
                    *([""] * (width - len(c.retention))),
                )
                for c in retention.cohorts
            ],
        ),
    ]


def kpis_text(kpis: Kpis) -> str:
    p, a, r, v, s, sa = (
        kpis.period,
        kpis.acquisition,
        kpis.retention,
        kpis.value,
        kpis.service,
        kpis.sales,
    )
    active_basis = (
        "in conversion, retention or inspiration: neither lapsed nor lost"
        if r.active_basis == "stages"
        else "ordered in the last year (no scores)"
    )
    churn_basis = (
        "from the stage history"
        if r.churn_basis == "stage_changes"
        else "from orders: bought in the year before, not in the period"
    )
    out = [
        f"KPIs {p.date_from} .. {p.date_to} ({p.days} days), amounts in {kpis.base_currency}",
        "",
        f"ACQUISITION  {a.acquired:,} customers acquired",
        *_acquisition_rows(a.by_channel, "channel"),
        "",
        *_acquisition_rows(a.by_campaign, "campaign"),
        "",
        "RETENTION",
        *_table(
            ("figure", "value"),
            [
                (f"active customers ({active_basis})", _num(r.active_customers)),
                ("buyers in the period", _num(r.buyers)),
                ("repeat-purchase rate (2+ orders)", _pct(r.repeat_purchase_rate)),
                (f"churn rate ({churn_basis})", _pct(r.churn_rate)),
                ("  churned / active at the start", f"{r.churned:,} / {r.churn_base:,}"),
                ("regained", _num(r.regained)),
            ],
        ),
        *_cohorts(r.cohorts),
        "",
        "VALUE",
        *_table(
            ("figure", "value"),
            [
                ("revenue (net of refunds)", _num(v.revenue)),
                ("orders", _num(v.orders)),
                (
                    f"predicted 12-month CLV of the base (as of {v.scores_as_of or NONE})",
                    _num(v.predicted_clv),
                ),
            ],
        ),
        "",
        *_segments(v.rfm_segments, "RFM segment"),
        "",
        *_segments(v.strategies, "strategy"),
        "",
        f"SERVICE  {s.tickets_opened:,} tickets opened",
        *_table(
            ("hours", "tickets", "median", "p90"),
            [
                (name, _num(d.tickets), _num(d.median_hours, 1), _num(d.p90_hours, 1))
                for name, d in (("first response", s.first_response), ("resolution", s.resolution))
            ],
        ),
        f"  CSAT: mean {_num(s.csat_mean, 2)} of 5, {_pct(s.csat_satisfied_share)} rated 4-5 "
        f"({s.csat_ratings:,} ratings)",
        f"  NPS: {_num(s.nps, 1)} ({s.promoters:,} promoters, {s.passives:,} passives, "
        f"{s.detractors:,} detractors)",
        *_service_desk(kpis.service_desk),
        "",
        "SALES ACTIVITY",
        *_activity(sa),
        f"  leads: {sa.leads_created:,} created, {sa.leads_won:,} won, {sa.leads_lost:,} lost, "
        f"win rate {_pct(sa.win_rate)}",
        *_table(
            ("open pipeline", "leads", "expected value"),
            [(ps.stage, _num(ps.leads), _num(ps.expected_value)) for ps in sa.pipeline],
        ),
        "",
        f"RESELLERS  (growth against {kpis.resellers.previous_from} .. "
        f"{kpis.resellers.previous_to})",
        *_table(
            ("#", "reseller", "revenue", "previous", "growth", "orders", "customers"),
            [
                (
                    str(x.rank),
                    f"{x.reseller_id} {x.name}",
                    _num(x.revenue),
                    _num(x.previous_revenue),
                    _pct(x.growth),
                    _num(x.orders),
                    _num(x.customers_served),
                )
                for x in kpis.resellers.rows
            ],
        ),
    ]
    return "\n".join(out)


def _service_desk(desk) -> list[str]:  # noqa: ANN001 - a ServiceDesk or None
    if desk is None:
        return []

    def rows(groups) -> list[tuple]:  # noqa: ANN001
        return [
            (
                g.key or "(nobody)", _num(g.tickets),
                _num(g.first_response.median_hours, 1), _num(g.first_response.p90_hours, 1),
                _num(g.resolution.median_hours, 1), _num(g.resolution.p90_hours, 1),
            )
            for g in groups
        ]

    headers = ("tickets", "opened", "response median h", "p90", "resolution median h", "p90")
    return [
        *_table(("by priority", *headers[1:]), rows(desk.by_priority)),
        *_table(("by agent", *headers[1:]), rows(desk.by_agent)),
        f"  SLA attainment: {_pct(desk.sla_attainment)} ({desk.sla_met:,} of "
        f"{desk.sla_decided:,} decided tickets without a breach)",
        f"  backlog now: {desk.backlog_total:,} open tickets; by age "
        + ", ".join(f"{b.label}: {b.tickets:,}" for b in desk.backlog),
    ]


def _activity(sa) -> list[str]:  # noqa: ANN001 - a SalesActivity
    kinds = sorted({k for u in sa.interactions for k in u.by_kind})
    return _table(
        ("interactions by user", "total", *kinds),
        [
            (
                u.user or "(no user)",
                _num(u.interactions),
                *(_num(u.by_kind.get(k, 0)) for k in kinds),
            )
            for u in sa.interactions
        ],
    )
