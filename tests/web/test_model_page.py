"""The model page: the last run's fits, model choice, calibration plot and fallbacks, per role."""

from __future__ import annotations

import copy
import re

import pytest
from django.utils import translation

from daur.insights.models import ScoringRun
from daur.web.templatetags.daur import figure
from tests.web.factories import run_make, user_make
from tests.web.model_fits import full_fits

pytestmark = pytest.mark.django_db

ROLES = ("admin", "manager", "marketer", "sales_rep", "support_agent")
IN_NAVIGATION = {"admin", "manager", "marketer"}


def run_with(fits: dict, **fields) -> ScoringRun:
    run = run_make()
    run.fits = fits
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()
    return run


def page(client, language: str = "en") -> str:
    response = client.get("/model/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def old_shape() -> dict:
    """What runs stored before the model choice: BG/NBD and Gamma-Gamma, no errors or method."""
    fits = full_fits()
    keep = ("params", "log_likelihood", "converged", "n_customers", "seconds", "time_unit")
    old = {code: {k: copy.deepcopy(fits[code][k]) for k in keep} for code in ("bgnbd", "ggamma")}
    old["ggamma"]["value_scale"] = fits["ggamma"]["value_scale"]
    return old


def test_the_page_needs_a_login(client):
    response = client.get("/model/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read_it_and_the_navigation_lists_it_for_some(client, role):
    """Read-only figures of the whole base, no customer named: any role may open the page; the
    navigation links it for those who judge the scores (reps and agents keep theirs short)."""
    run_with(full_fits())
    client.force_login(user_make(f"u-{role}", role=role))
    assert "BG/NBD" in page(client)
    dashboard = client.get("/").content.decode()
    assert ('href="/model/"' in dashboard) == (role in IN_NAVIGATION)
    whole_base = "The models are fitted on the whole base" in page(client)
    assert whole_base == (role == "sales_rep")  # the one role that sees only its customers


def test_a_full_run_shows_every_fit_with_parameters_errors_and_convergence(client, manager):
    fits = full_fits()
    run_with(fits)
    body = page(client)
    for name in ("BG/NBD", "MBG/NBD", "Pareto/NBD", "Gamma-Gamma"):
        assert f"<span class=\"me-1\">{name}</span>" in body, name
    for code in ("bgnbd", "mbgnbd", "pareto", "ggamma"):
        stored = fits[code]
        for key, value in stored["params"].items():
            assert f'<td class="num">{figure(value)}</td>' in body, (code, key)
            assert figure(stored["standard_errors"][key], 2) in body, (code, key)
        assert f"{figure(stored['seconds'], 2)} s" in body
    assert body.count("✓ converged") == sum(fits[c]["converged"] for c in fits if c in
                                            ("bgnbd", "mbgnbd", "pareto", "ggamma"))
    assert "method: Newton" in body
    # The population mean order value of the spend model, in the base currency.
    assert f"IDR {round(fits['ggamma']['population_mean']):,}" in body


def test_the_model_choice_shows_the_split_and_highlights_the_chosen_model(client, manager):
    fits = full_fits()
    run_with(fits)
    body = page(client)
    selection = fits["selection"]
    assert "Oct. 4, 2024" in body  # day 20,000 since 1970-01-01
    assert f"{selection['holdout_days']} days" in body
    chosen_row = re.search(r'<tr class="table-success">(.*?)</tr>', body, re.S).group(1)
    from daur.web.model_page import MODEL_NAMES

    assert MODEL_NAMES[selection["chosen"]] in chosen_row and "chosen" in chosen_row
    assert body.count('class="table-success"') == 1
    for code, figures in selection["candidates"].items():
        assert figure(figures["holdout_mae"], 3) in body, code
        assert figure(figures["holdout_rmse"], 3) in body, code
    assert "lowest holdout error" in body
    assert "Fallbacks taken" not in body


def test_the_calibration_plot_has_one_point_per_bin_and_series(client, manager):
    fits = full_fits()
    run_with(fits)
    body = page(client)
    svg = body[body.index('<svg class="chart model-plot'):]
    svg = svg[: svg.index("</svg>")]
    bins = len(fits["calibration_plot"]["frequency"])
    for series in ("actual", "bgnbd", "mbgnbd", "pareto"):
        group = svg.split(f'data-series="{series}"')[1].split("</g>")[0]
        assert group.count("<circle") == bins, series
    assert ">7+<" in svg
    # A point lies higher for a larger mean: the SVG's y falls as the value rises.
    actual = svg.split('data-series="actual"')[1].split("</g>")[0]
    ys = [float(y) for y in re.findall(r'cy="([0-9.]+)"', actual)]
    values = fits["calibration_plot"]["actual"]
    order = sorted(range(bins), key=values.__getitem__)
    assert [ys[i] for i in order] == sorted(ys, reverse=True)
    assert "<script" not in body.split("<main")[1].split("</main>")[0]
    # Every point and gridline inside the drawing area; the ticks even steps up past the top.
    from daur.web.model_page import PLOT_BOTTOM, PLOT_TOP

    for y in re.findall(r'(?:cy|y1)="(-?[0-9.]+)"', svg):
        assert PLOT_TOP - 0.05 <= float(y) <= PLOT_BOTTOM + 0.05, y
    ticks = [float(t) for t in re.findall(r'text-anchor="end">([0-9.]+)</text>', svg)]
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert ticks[0] == 0 and len(steps) == 1 and 2 <= len(ticks) <= 6
    top = max(max(values), *(max(v) for v in fits["calibration_plot"]["predicted"].values()))
    assert ticks[-2] < top <= ticks[-1]


def test_an_old_run_reads_as_bgnbd_without_a_model_choice(client, manager):
    run_with(old_shape())
    body = page(client)
    assert "BG/NBD" in body and "Gamma-Gamma" in body
    assert "chosen purchase model" in body
    assert "before Daur compared purchase models" in body
    assert "not recorded" in body  # no method stored
    assert "model-plot" not in body and "Model choice" not in body
    assert "Pareto/NBD" not in body


def test_fallbacks_boundary_solutions_and_failed_candidates_in_plain_words(client, manager):
    fits = copy.deepcopy(full_fits())
    fits["ggamma"].update(converged=False, method="boundary",
                          message="p at its upper limit: no within-customer spend variation")
    fits["pareto"] = {"failed": "the likelihood could not be evaluated"}
    fits["fallbacks"] = [
        {"part": "spend", "model": "ggamma", "step": "boundary",
         "reason": "p at its upper limit: no within-customer spend variation"},
        {"part": "purchase", "model": "bgnbd", "step": "quasi_newton", "reason": "Newton stalled"},
    ]
    fits["ggamma"]["standard_errors"]["p"] = None  # not finite at the limit: stored as null
    run_with(fits)
    body = page(client)
    assert "Fallbacks taken" in body
    assert "Gamma-Gamma (order value): the best fit lies on the edge" in body
    assert "BG/NBD (purchases): Newton's method did not converge" in body
    assert "boundary solution" in body and "no within-customer spend variation" in body
    assert "Not fitted:" in body and "the likelihood could not be evaluated" in body


def test_a_candidate_that_could_not_be_tested_and_bgnbd_passed_over(client, manager):
    fits = copy.deepcopy(full_fits())
    candidates = fits["selection"]["candidates"]
    candidates["pareto"] = {"failed": "the calibration fit did not converge"}
    fits["calibration_plot"]["predicted"]["pareto"] = [None] * 8
    candidates["bgnbd"]["holdout_mae"] = candidates["mbgnbd"]["holdout_mae"] / 2
    fits["selection"]["chosen"] = fits["purchase_model"] = "mbgnbd"
    fits["ggamma"] = {"failed": "ggamma: 3 customers with a repeat purchase"}
    fits["fallbacks"] = [{"part": "spend", "model": "ggamma", "step": "rules",
                          "reason": "ggamma: 3 customers with a repeat purchase"}]
    fits["notes"] = ["purchase model mbgnbd: lowest holdout error"]
    run_with(fits)
    body = page(client)
    assert "the calibration fit did not converge" in body
    assert 'data-series="pareto"' not in body and 'data-series="mbgnbd"' in body
    assert "BG/NBD had the lowest holdout error but is not chosen" in body
    assert "each customer's expected order value is their own mean order value" in body
    assert "Notes from the run" in body and "purchase model mbgnbd" in body
    fits["selection"]["candidates"]["bgnbd"]["holdout_mae"] = 99.0
    run_with(fits)
    assert "BG/NBD had the lowest holdout error" not in page(client)


def test_a_rules_only_run_says_so_and_why(client, manager):
    message = "12 buyers, 3 with a repeat purchase: too few to fit the models"
    run_with({}, rules_only=True, message=message + " <script>x</script>")
    body = page(client)
    assert "<script>x" not in body and "&lt;script&gt;x" in body
    assert "scored the base by the rules alone" in body
    assert message in body
    assert "Fitted models" not in body


def test_a_purchase_part_on_the_rules_is_named(client, manager):
    fits = copy.deepcopy(full_fits())
    fits["purchase_model"] = None
    fits["fallbacks"] = [{"part": "purchase", "model": "bgnbd", "step": "rules", "reason": "x"}]
    run_with(fits)
    body = page(client)
    assert "P(alive) and expected orders come from the rules" in body
    assert "BG/NBD (purchases): the model could not be fitted" in body
    assert "chosen purchase model" not in body


def test_a_failed_run_after_the_last_success_is_named(client, manager):
    run_with(old_shape())
    ScoringRun.objects.create(status=ScoringRun.Status.FAILED, message="disk full")
    body = page(client)
    assert "last run that succeeded" in body and "disk full" in body
    assert "BG/NBD" in body


def test_no_run_yet_says_how_to_get_one(client, manager):
    ScoringRun.objects.create(status=ScoringRun.Status.FAILED, message="the fit exploded")
    body = page(client)
    assert "No scoring run yet" in body and "daur score" in body
    assert 'href="/"' in body
    assert "the fit exploded" in body and "The last run, started on" in body
    assert "last run that succeeded" not in body


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ("Model choice", "Calibration plot", "Fitted models", "chosen purchase model")),
        ("id", ("Pilihan model", "Grafik kalibrasi", "Model yang diestimasi", "model pembelian terpilih")),
        ("it", ("Scelta del modello", "Grafico di calibrazione", "Modelli stimati",
                "modello d'acquisto scelto")),
    ],
)
def test_the_page_in_each_language_with_its_numbers(client, manager, language, texts):
    fits = full_fits()
    run_with(fits)
    body = page(client, language)
    for text in texts:
        assert text in body, text
    with translation.override(language):
        assert figure(fits["bgnbd"]["params"]["alpha"]) in body
    decimal = "." if language == "en" else ","
    assert figure(fits["bgnbd"]["params"]["r"]).startswith(f"0{decimal}")


def test_figure_keeps_significant_digits_in_the_languages_marks():
    with translation.override("it"):
        assert figure(0.243145) == "0,2431"
        assert figure(1234567.8) == "1.234.568"
        assert figure(4.4123) == "4,412"
        assert figure(0.0000012345) == "1,235 × 10⁻⁶"
    with translation.override("en"):
        assert figure(None) == "–" and figure(float("nan")) == "–"
        assert figure(-11244.13, 6) == "-11,244.1"
        assert figure(9.99996e-7) == "1.000 × 10⁻⁶"
