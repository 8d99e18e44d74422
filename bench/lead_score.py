"""Lead score: learning time, scoring time and quality, beside Odoo's naive-Bayes lead scoring.

    PYTHONPATH=src python bench/lead_score.py [--leads 500000] [--open 100000] [--seed 1]

The history is drawn from a planted logistic truth (daur.analytics.lead_score_simulation); the
quality is measured on a fresh sample of the same truth (a held-out split no model has seen).

The peer re-implements Odoo's predictive lead scoring (crm module, `_pls_*` methods of
crm.lead): per field and value, counts of won and lost leads plus 0.1; a lead's won score is
P(won) x the product over its fields of won(value) / won(field), its lost score likewise, and
its probability won / (won + lost); a value never seen is skipped. Odoo scores categorical
fields only (stage, country, state, source, language, tags, e-mail and phone quality): the peer
gets source, campaign, industry and country ("as documented"), and in a second variant also
each activity count (capped at 5) and the first-response time (bucketed) as extra fields, its
best case here.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from daur.analytics.lead_features import CATEGORICAL, LeadFeatures
from daur.analytics.lead_score_learn import auc, brier_score, calibration_error, lead_model_learn
from daur.analytics.lead_score_simulation import simulate_leads

SMOOTHING = 0.1  # Odoo adds 0.1 to every won and lost count


def odoo_fields(features: LeadFeatures, *, activity: bool) -> dict[str, np.ndarray]:
    fields = {name: features.labels(name).astype(str) for name in CATEGORICAL}
    if activity:
        for k, kind in enumerate(features.activity_kinds):
            fields[kind] = np.minimum(features.activity_counts[:, k], 5).astype(int).astype(str)
        hours = features.first_response_hours
        bucket = np.digitize(np.nan_to_num(hours, nan=-1.0), [0, 4, 24, 72, 168])
        fields["first_response"] = bucket.astype(str)
    return fields


class OdooNaiveBayes:
    """Frequencies per field value, combined naive-Bayes style (one team)."""

    def fit(self, fields: dict[str, np.ndarray], won: np.ndarray) -> OdooNaiveBayes:
        self.won_total, self.lost_total = float(won.sum()), float((~won).sum())
        self.tables = {}
        for name, values in fields.items():
            known = values != ""  # Odoo leaves unset values out
            distinct, inverse = np.unique(values[known], return_inverse=True)
            won_count = np.bincount(inverse, won[known], len(distinct)) + SMOOTHING
            lost_count = np.bincount(inverse, ~won[known], len(distinct)) + SMOOTHING
            self.tables[name] = (distinct, won_count, lost_count)
        return self

    def predict(self, fields: dict[str, np.ndarray]) -> np.ndarray:
        total = self.won_total + self.lost_total
        log_won = np.full(len(next(iter(fields.values()))), np.log(self.won_total / total))
        log_lost = np.full(len(log_won), np.log(self.lost_total / total))
        for name, values in fields.items():
            distinct, won_count, lost_count = self.tables[name]
            position = np.clip(np.searchsorted(distinct, values), 0, max(len(distinct) - 1, 0))
            seen = (distinct[position] == values) if len(distinct) else np.zeros(len(values), bool)
            log_won += np.where(seen, np.log(won_count[position] / won_count.sum()), 0.0)
            log_lost += np.where(seen, np.log(lost_count[position] / lost_count.sum()), 0.0)
        return 1.0 / (1.0 + np.exp(log_lost - log_won))


def row(name: str, seconds: float | None, probability: np.ndarray, won: np.ndarray) -> str:
    timing = "" if seconds is None else f"{seconds:.2f}"
    return (
        f"| {name} | {timing} | {brier_score(probability, won):.4f} | {auc(probability, won):.4f} "
        f"| {calibration_error(probability, won):.4f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500_000, help="closed leads to learn from")
    parser.add_argument("--open", type=int, default=100_000, help="open leads to score")
    parser.add_argument("--seed", type=int, default=1)
    # CPU seconds (this process, all threads) vary less than wall time on a shared machine.
    args = parser.parse_args(argv)
    started = time.perf_counter()
    history = simulate_leads(args.leads, seed=args.seed)
    held_out = simulate_leads(max(args.leads // 4, 1000), seed=args.seed + 1)
    open_leads = simulate_leads(args.open, seed=args.seed + 2).features
    print(
        f"{args.leads:,} closed leads ({history.won.mean():.1%} won), {args.open:,} open, "
        f"{len(held_out.won):,} held out; drawn in {time.perf_counter() - started:.1f} s "
        f"(Python {platform.python_version()})"
    )

    started, cpu = time.perf_counter(), time.process_time()
    model = lead_model_learn(history.features, history.won)
    learn_s, learn_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    scores = model.score(open_leads)
    score_only_s = time.perf_counter() - started
    factors = scores.all_factors()
    score_s, score_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"daur: basis {model.basis}, calibration {model.quality.get('calibration')}; "
        f"its own hold-out: {model.quality.get('holdout')}"
    )
    print(
        f"Learning: {learn_s:.2f} s ({learn_cpu:.2f} CPU s). Scoring {args.open:,} open leads: "
        f"{score_only_s:.2f} s for the probabilities, {score_s:.2f} s ({score_cpu:.2f} CPU s) "
        f"with every lead's factors ({sum(map(len, factors)):,} factors)"
    )

    fields = [odoo_fields(history.features, activity=a) for a in (False, True)]
    timings, peers = [], []
    for activity, train in zip((False, True), fields, strict=True):
        started = time.perf_counter()
        peer = OdooNaiveBayes().fit(train, history.won)
        timings.append(time.perf_counter() - started)
        peers.append(peer.predict(odoo_fields(held_out.features, activity=activity)))

    won = held_out.won
    print("\n| model (held-out sample) | learn s | Brier | AUC | calibration error |")
    print("|---|---|---|---|---|")
    print(
        row("daur: logistic regression", learn_s, model.score(held_out.features).probability, won)
    )
    print(row("Odoo naive Bayes, as documented (categorical fields)", timings[0], peers[0], won))
    print(row("Odoo naive Bayes + activity as categories", timings[1], peers[1], won))
    print(row("the planted truth (the best possible)", None, held_out.true_probability, won))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
