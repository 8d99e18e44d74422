"""Summaries from a transaction log: the CDNOW files reproduced, and the edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from daur.analytics.summary import (
    LateTransactionWarning,
    RefundWarning,
    summarise,
)

CALIBRATION_END = "1997-09-30"


def round_half_up(values, decimals=2):
    # The published files round halves up (22.345 -> 22.35), unlike numpy's round-half-even.
    scale = 10.0**decimals
    return np.floor(np.asarray(values) * scale + 0.5 + 1e-7) / scale


def test_reproduces_the_published_cdnow_summaries(cdnow_summary, cdnow_dir):
    published = np.loadtxt(
        cdnow_dir / "cdnow_customers_summary_with_transactions.csv", delimiter=",", skiprows=1
    )
    plain = np.loadtxt(cdnow_dir / "cdnow_customers_summary.csv", delimiter=",", skiprows=1)
    s = cdnow_summary
    assert s.n_customers == len(published) == 2357
    np.testing.assert_array_equal(s.customer_ids, published[:, 0])
    np.testing.assert_array_equal(s.x, published[:, 1])
    np.testing.assert_array_equal(np.round(s.t_x, 2), published[:, 2])
    np.testing.assert_array_equal(np.round(s.T, 2), published[:, 3])
    zbar = np.where(s.x > 0, round_half_up(s.mean_repeat_spend), 0.0)
    np.testing.assert_array_equal(zbar, published[:, 4])
    np.testing.assert_array_equal(published[:, 1:4], plain[:, 1:4])


def test_the_interchange_csv_gives_the_same_summary(cdnow_summary, cdnow_csv_log, cdnow_log):
    ids, dates, amounts = cdnow_csv_log
    s = summarise(ids, dates, amounts, calibration_end=CALIBRATION_END, holdout_end="1998-06-30")
    raw_ids, _, _ = cdnow_log
    assert raw_ids.size == ids.size
    assert s.n_customers == cdnow_summary.n_customers

    def rows(summary):
        # The CSV keys customers by customer_id, the papers by sample id: compare as multisets.
        table = np.column_stack([
            summary.x, summary.t_x, summary.T, summary.total_spend, summary.holdout_x,
        ])
        return table[np.lexsort(table.T[::-1])]

    np.testing.assert_allclose(rows(s), rows(cdnow_summary))


def test_cdnow_holdout_counts(cdnow_summary):
    assert cdnow_summary.holdout_length == 39.0
    assert cdnow_summary.x.sum() == 2457
    assert cdnow_summary.holdout_x.sum() == 1882


def given_log():
    ids = np.array([7, 7, 7, 7, 3, 3, 9])
    dates = np.array(
        ["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-12", "2024-01-08", "2024-03-01",
         "2024-02-20"],
        dtype="datetime64[D]",
    )
    amounts = np.array([10.0, 5.0, 20.0, 40.0, 8.0, 12.0, 30.0])
    return ids, dates, amounts


def test_same_day_purchases_are_one_transaction_and_units_are_days_or_weeks():
    ids, dates, amounts = given_log()
    with pytest.warns(LateTransactionWarning):
        s = summarise(ids, dates, amounts, calibration_end="2024-01-29", time_unit="day")
    # Without a holdout, rows after the as-of date are left out and counted (customer 9's).
    np.testing.assert_array_equal(s.customer_ids, [3, 7])
    np.testing.assert_array_equal(s.x, [0, 1])
    np.testing.assert_array_equal(s.t_x, [0, 14])
    np.testing.assert_array_equal(s.T, [21, 28])
    np.testing.assert_array_equal(s.order_count, [1, 2])
    np.testing.assert_array_equal(s.total_spend, [8.0, 35.0])
    assert np.isnan(s.mean_repeat_spend[0]) and s.mean_repeat_spend[1] == 20.0
    assert s.n_after_end == 3 and s.n_first_after_calibration == 0
    with pytest.warns(LateTransactionWarning):
        weeks = summarise(ids, dates, amounts, calibration_end="2024-01-29", time_unit="week")
    np.testing.assert_allclose(weeks.T, [3, 4])
    assert weeks.first_purchase[1] == np.datetime64("2024-01-01")
    assert weeks.last_purchase[1] == np.datetime64("2024-01-15")
    assert list(weeks.recency_days) == [21.0, 14.0]


def test_holdout_counts_and_late_rows_are_reported():
    ids, dates, amounts = given_log()
    with pytest.warns(LateTransactionWarning):
        s = summarise(ids, dates, amounts, calibration_end="2024-01-29", holdout_end="2024-02-29")
    np.testing.assert_array_equal(s.holdout_x, [0, 1])  # customer 3's 2024-03-01 is too late
    assert s.n_after_end == 1
    assert s.n_first_after_calibration == 1  # customer 9, first seen in the holdout
    assert any("after 2024-02-29" in w for w in s.warnings)
    assert s.holdout_length == pytest.approx(31 / 7)


def test_unsorted_rows_and_string_ids_give_the_same_summary():
    ids, dates, amounts = given_log()
    order = np.random.default_rng(4).permutation(ids.size)
    a = summarise(ids, dates, amounts, calibration_end="2024-03-01")
    b = summarise(
        ids[order].astype(str), dates[order], amounts[order], calibration_end="2024-03-01"
    )
    np.testing.assert_array_equal(a.customer_ids.astype(str), b.customer_ids)
    for field in ("x", "t_x", "T", "total_spend", "order_count"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field))


def test_refunds_are_left_out_of_spend_with_a_warning():
    ids, dates, amounts = given_log()
    amounts = amounts.copy()
    amounts[2] = -20.0
    with pytest.warns(RefundWarning, match="refund"):
        s = summarise(ids, dates, amounts, calibration_end="2024-03-01")
    assert s.n_refunds == 1
    i = list(s.customer_ids).index(7)
    assert s.total_spend[i] == 55.0 and s.x[i] == 1


def test_the_as_of_date_defaults_to_the_last_purchase():
    ids, dates, amounts = given_log()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = summarise(ids, dates, amounts)
    assert s.calibration_end == np.datetime64("2024-03-01")
    assert s.holdout_x is None and s.n_after_end == 0


def test_empty_and_mismatched_input_is_refused():
    with pytest.raises(ValueError, match="empty"):
        summarise(np.array([]), np.array([], dtype="datetime64[D]"), np.array([]))
    with pytest.raises(ValueError, match="same length"):
        summarise(np.array([1, 2]), np.array(["2024-01-01"], dtype="datetime64[D]"), [1.0])
    with pytest.raises(ValueError, match="time_unit"):
        summarise(np.array([1]), np.array(["2024-01-01"], dtype="datetime64[D]"), [1.0],
                  time_unit="month")


def test_a_large_log_agrees_with_a_plain_count_per_customer():
    """A million transactions summarised at once agree, customer by customer, with a plain
    Python count of distinct days (the speed of this is bench/btyd.py's business)."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    ids = rng.integers(0, 100_000, n)
    dates = np.datetime64("2020-01-01") + rng.integers(0, 1500, n).astype("timedelta64[D]")
    amounts = rng.gamma(2.0, 20.0, n)
    s = summarise(ids, dates, amounts, calibration_end="2023-01-01", holdout_end="2024-02-09",
                  time_unit="day")
    calibration_end = np.datetime64("2023-01-01")
    days = dates.astype(np.int64)
    checked = rng.choice(s.customer_ids, 300, replace=False)
    row = {c: i for i, c in enumerate(s.customer_ids)}
    for customer in checked:
        own = np.unique(days[(ids == customer) & (dates <= calibration_end)])
        later = np.unique(days[(ids == customer) & (dates > calibration_end)])
        i = row[customer]
        assert s.x[i] == len(own) - 1
        assert s.t_x[i] == own[-1] - own[0]
        assert s.T[i] == calibration_end.astype(np.int64) - own[0]
        assert s.holdout_x[i] == len(later)
