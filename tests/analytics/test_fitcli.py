"""`daur fit`: the command body on CDNOW and on bad input; it must not import Django."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from daur.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"


def run(capsys, *args):
    code = main(["fit", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_fit_on_the_raw_log_with_a_holdout(capsys, cdnow_dir):
    code, out, _ = run(capsys, cdnow_dir / "cdnow_sample_transactions.csv",
                       "--calibration-end", "1997-09-30", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["model"] == "bgnbd" and report["time_unit"] == "week"
    assert report["n_customers"] == 2357 and report["converged"] is True
    assert report["params"]["r"] == pytest.approx(0.2425945, rel=1e-3)
    assert report["log_likelihood"] == pytest.approx(-9582.43, abs=0.01)
    holdout = report["holdout"]
    assert (holdout["start"], holdout["end"]) == ("1997-10-01", "1998-06-30")
    assert holdout["actual"] == 1882
    assert 0.60 <= holdout["correlation"] <= 0.66
    assert 1500 < holdout["predicted"] < holdout["actual"]


@pytest.mark.parametrize(("name", "model", "check"), [
    ("cdnow_customers_summary.csv", "pareto", ("s", 0.60625)),
    ("cdnow_customers_summary_with_transactions.csv", "ggamma", ("p", 6.2488)),
    ("cdnow_customers_summary_with_transactions.csv", "mbgnbd", ("b", 1.614)),
])
def test_summary_files_and_models(capsys, cdnow_dir, name, model, check):
    code, out, _ = run(capsys, cdnow_dir / name, "--model", model, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["params"][check[0]] == pytest.approx(check[1], rel=2e-3)
    assert "holdout" not in report


def test_table_output_is_readable(capsys, cdnow_dir):
    code, out, _ = run(capsys, cdnow_dir / "cdnow_customers_summary.csv")
    assert code == 0
    assert "BG/NBD" in out and "alpha" in out and "Log-likelihood" in out


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("customer_id,frequency,recency,T\n", "no data rows"),
    ("who,what,when\n1,2,3\n", "line 1: unknown header"),
    ("customer_id,frequency,recency,T\na,1,2,3\nb,x,2,3\n", "line 3, column frequency"),
    ("customer_id,frequency,recency,T\na,1,5,3\n", "line 2, column recency"),
    ("customer_id,frequency,recency,T\na,2,10,30\n", "two customers"),
    ("customer_id,frequency,recency,T\na,0,0,30\nb,0,0,20\n", "every customer has x = 0"),
    ("customer_id,date,amount\na,2024-01-01,10\na,2024-13-01,5\n", "line 3, column date"),
    ("customer_id,date,amount\na,2024-01-01,10\na,2024-02-01,ten\n", "line 3, column amount"),
])
def test_bad_input_is_a_clear_error(capsys, tmp_path, text, message):
    code, out, err = run(capsys, write(tmp_path, text))
    assert code == 2 and out == ""
    assert message in err


def test_calibration_end_needs_a_transaction_log(capsys, cdnow_dir):
    code, _, err = run(capsys, cdnow_dir / "cdnow_customers_summary.csv",
                       "--calibration-end", "1997-09-30")
    assert code == 2 and "transaction log" in err


def test_ggamma_needs_spend(capsys, cdnow_dir):
    code, _, err = run(capsys, cdnow_dir / "cdnow_customers_summary.csv", "--model", "ggamma")
    assert code == 2 and "monetary_value" in err


def test_refunds_warn_and_unsorted_dates_are_fine(capsys, tmp_path, cdnow_dir):
    lines = (cdnow_dir / "cdnow_sample_transactions.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:]
    shuffled = rows[::-1] + ["00004,1997-03-01,-12.50"]
    path = write(tmp_path, "\n".join([header, *shuffled]) + "\n")
    code, out, err = run(capsys, path, "--calibration-end", "1997-09-30", "--json")
    assert code == 0
    assert "refund" in err
    report = json.loads(out)
    assert report["params"]["r"] == pytest.approx(0.2425945, rel=1e-3)
    assert any("refund" in w for w in report["warnings"])


def test_fit_does_not_import_django(cdnow_dir):
    script = (
        "import sys; from daur.cli import main; "
        f"code = main(['fit', {str(cdnow_dir / 'cdnow_customers_summary.csv')!r}, '--json']); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(code)"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["converged"] is True


def test_a_summary_is_read_only_in_the_columns_the_model_uses(capsys, tmp_path):
    rows = ["customer_id,frequency,recency,T,monetary_value"]
    rows += [f"c{i},{i % 4},{(i % 4) * 2},{10 + i % 7},{'' if i == 3 else 5 + i % 3}"
             for i in range(40)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    # A missing spend value does not matter to BG/NBD ...
    code, out, _ = run(capsys, path, "--json")
    assert code in (0, 1) and json.loads(out)["n_customers"] == 40
    # ... but is reported for the spend model, which reads no recency or age.
    code, out, err = run(capsys, path, "--model", "ggamma")
    assert code == 2 and "line 5, column monetary_value" in err


def test_the_fast_reader_reads_what_numpy_reads(tmp_path):
    from daur.analytics import fit_data

    pytest.importorskip("pyarrow")
    header = ("customer_id", "frequency", "recency", "T", "monetary_value")
    rows = ['"c,1",2,3.25,10,"4.5"', "c2,0,0,7.5,0", "", "c3,1,1e-2,2.0,1.234567890123"]
    path = write(tmp_path, "\ufeff" + ",".join(header) + "\r\n" + "\r\n".join(rows) + "\r\n")
    fast = fit_data._read_numbers_fast(str(path), 5, [1, 2, 3, 4])
    careful = fit_data._read_numbers(str(path), header, list(header[1:]))
    assert fast is not None
    for a, b in zip(fast, careful):
        assert a.dtype == np.float64 and np.array_equal(a, b)
    # Anything but plain numbers is left to the careful reader, which names the line.
    path = write(tmp_path, ",".join(header) + "\nc1,2,3,10,4\nc2,1,,9,3\n")
    assert fit_data._read_numbers_fast(str(path), 5, [1, 2, 3, 4]) is None


@pytest.mark.parametrize("model", ["bgnbd", "ggamma", None])
def test_a_large_summary_reads_as_a_small_one(tmp_path, monkeypatch, model):
    from daur.analytics import fit_data

    rng = np.random.default_rng(9)
    x = rng.integers(0, 5, 300)
    T = np.round(rng.uniform(1.0, 40.0, 300), 2)
    t_x = np.where(x > 0, np.round(T * rng.uniform(0.01, 1.0, 300), 2), 0.0)
    rows = ["customer_id,frequency,recency,T,monetary_value"]
    rows += [f"c{i},{x[i]},{t_x[i]:.2f},{T[i]:.2f},{(x[i] > 0) * (5 + i % 9)}.25"
             for i in range(300)]
    path = str(write(tmp_path, "\n".join(rows) + "\n"))
    pytest.importorskip("pyarrow")
    assert fit_data._read_numbers_fast(path, 5, [1, 2, 3, 4]) is not None
    small = fit_data.read_fit_data(path, time_unit="week", calibration_end=None, model=model)
    monkeypatch.setattr(fit_data, "FAST_READ_BYTES", 0)
    large = fit_data.read_fit_data(path, time_unit="week", calibration_end=None, model=model)
    for name in ("x", "t_x", "T", "mean_value"):
        a, b = getattr(small, name), getattr(large, name)
        assert (a is None and b is None) or np.array_equal(a, b)


def test_the_spend_fit_does_not_import_scipy_special(tmp_path):
    rows = ["customer_id,frequency,recency,T,monetary_value"]
    rows += [f"c{i},{1 + i % 4},{1 + i % 4},{10 + i % 7},{5 + (i * 7919) % 113 / 10}"
             for i in range(200)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    script = (
        "import sys; from daur.cli import main; "
        f"code = main(['fit', {str(path)!r}, '--model', 'ggamma', '--json']); "
        "assert 'scipy.special' not in sys.modules, 'scipy.special imported'; sys.exit(code)"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["n_customers"] == 200
def simulated_log(tmp_path, n=400, seed=4):
    """A transaction log simulated from BG/NBD in days, with one customer whose first (and
    only) purchase is on the last day of the log."""
    from daur.analytics.btyd import bgnbd

    rng = np.random.default_rng(seed)
    end = np.datetime64("2024-12-31")
    T = rng.integers(60, 365, n).astype(float)
    x, t_x = bgnbd.simulate({"r": 0.8, "alpha": 40.0, "a": 0.8, "b": 2.5}, T, rng)
    rows = ["customer_id,date,amount"]
    for i in range(n):
        first = end - np.timedelta64(int(T[i]), "D")
        # x repeat purchases on distinct days, the last one at t_x.
        last = max(int(round(t_x[i])), int(x[i])) if x[i] else 0
        days = [0] + sorted(rng.choice(np.arange(1, last), int(x[i]) - 1, replace=False)
                            .tolist()) + [last] if x[i] > 1 else [0] + ([last] if x[i] else [])
        rows += [f"c{i},{first + np.timedelta64(d, 'D')},{10 + i % 7}" for d in days]
    rows.append(f"newest,{end},25")
    return write(tmp_path, "\n".join(rows) + "\n", "log.csv")


def test_a_first_purchase_on_the_last_day_is_fitted_and_noted(capsys, tmp_path):
    code, out, err = run(capsys, simulated_log(tmp_path), "--time-unit", "day", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["n_customers"] == 401 and report["converged"] is True
    assert report["method"] == "newton" and report["at_bound"] == []
    assert any("T = 0" in w for w in report["warnings"]) and "T = 0" in err


def test_constant_prices_give_a_boundary_spend_fit_reported_as_such(capsys, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(1, 10, 5000)
    prices = rng.choice([9.99, 19.99, 49.5], x.size)  # each customer always pays one price
    rows = ["customer_id,frequency,recency,T,monetary_value"]
    rows += [f"c{i},{x[i]},{x[i] * 2},30,{prices[i]}" for i in range(x.size)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    code, out, err = run(capsys, path, "--model", "ggamma", "--json")
    assert code == 1 and "boundary solution" in err and "p at its upper limit" in err
    report = json.loads(out)
    assert report["method"] == "boundary" and report["at_bound"] == ["p"]
    assert report["converged"] is False and report["standard_errors"]["p"] is None
    assert 9.99 < report["population_mean"] < 49.5
    code, out, _ = run(capsys, path, "--model", "ggamma")
    assert code == 1 and "boundary solution" in out and "Population mean" in out


def test_a_summary_row_of_age_zero_is_accepted_and_no_repeat_buyer_is_refused(capsys, tmp_path):
    rows = ["customer_id,frequency,recency,T", "a,0,0,0", "b,2,5,10", "c,0,0,12"]
    code, out, err = run(capsys, write(tmp_path, "\n".join(rows) + "\n"), "--json")
    assert code in (0, 1) and json.loads(out)["method"] in ("newton", "quasi_newton", "boundary")
    assert "T = 0" in err
    rows = ["customer_id,frequency,recency,T", "a,0,0,0", "b,0,0,10"]
    code, out, err = run(capsys, write(tmp_path, "\n".join(rows) + "\n", "zero.csv"))
    assert code == 2 and out == ""
    assert "every customer has x = 0" in err and "nothing was fitted" in err
    assert "Traceback" not in err
