"""Per-customer summaries (x, t_x, T, spend) from a transaction log, with a holdout split."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}


class RefundWarning(UserWarning):
    """Rows with a negative amount were left out of the summary."""


class LateTransactionWarning(UserWarning):
    """Rows dated after the as-of (or holdout end) date were left out of the summary."""


@dataclass(frozen=True)
class TransactionSummary:
    """One entry per customer whose first purchase is on or before `calibration_end`.

    Purchases on the same calendar day are one transaction (amounts summed). `x` counts the
    repeat transaction days in the calibration period; `t_x` and `T` are in `time_unit`
    (calendar-day differences divided by 1 or 7). Spend is over the calibration period;
    `mean_repeat_spend` (zbar) excludes the first transaction and is NaN where x = 0.
    `holdout_x` counts transaction days in (calibration_end, holdout_end], or is None.
    """

    customer_ids: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    first_purchase: np.ndarray
    last_purchase: np.ndarray
    order_count: np.ndarray
    total_spend: np.ndarray
    mean_repeat_spend: np.ndarray
    time_unit: str
    calibration_end: np.datetime64
    holdout_end: np.datetime64 | None
    holdout_x: np.ndarray | None
    n_refunds: int
    n_after_end: int
    n_first_after_calibration: int
    warnings: tuple[str, ...]

    @property
    def n_customers(self) -> int:
        return int(self.x.shape[0])

    @property
    def holdout_length(self) -> float:
        """Length of the holdout period in `time_unit` (0 without a holdout)."""
        if self.holdout_end is None:
            return 0.0
        days = (self.holdout_end - self.calibration_end).astype("timedelta64[D]").astype(float)
        return float(days) / DAYS_PER_UNIT[self.time_unit]

    @property
    def recency_days(self) -> np.ndarray:
        """Days from the last calibration purchase to `calibration_end` (RFM recency)."""
        return (self.calibration_end - self.last_purchase).astype("timedelta64[D]").astype(float)


def as_day(value: object) -> np.datetime64:
    """A date-like value (ISO string, date, datetime64) as a numpy calendar day."""
    if isinstance(value, str):
        value = value.strip()[:10]
    return np.datetime64(value, "D")


def summarise(
    customer_ids: np.ndarray,
    dates: np.ndarray,
    amounts: np.ndarray,
    *,
    calibration_end: object | None = None,
    holdout_end: object | None = None,
    time_unit: str = "week",
) -> TransactionSummary:
    """Summarise a transaction log per customer, vectorised (one sort, no loop per customer).

    `calibration_end` is the as-of date (default: the last date in the log). Rows dated after
    `holdout_end` (or after `calibration_end` when there is no holdout) are left out and counted.
    Rows with a negative amount are refunds: they are not transactions and are left out of
    spend; a `RefundWarning` is issued and the message is also kept in `warnings`.
    Customers whose first purchase falls after `calibration_end` are not in the summary
    (counted in `n_first_after_calibration`).
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be one of {sorted(DAYS_PER_UNIT)}, not {time_unit!r}")
    ids = np.asarray(customer_ids)
    days = np.asarray(dates).astype("datetime64[D]").astype(np.int64)
    amounts = np.asarray(amounts, dtype=np.float64)
    if not (ids.shape == days.shape == amounts.shape) or ids.ndim != 1:
        raise ValueError("customer_ids, dates and amounts must be 1-d arrays of the same length")
    if ids.size == 0:
        raise ValueError("the transaction log is empty")
    notes: list[str] = []

    refund = amounts < 0
    n_refunds = int(refund.sum())
    if n_refunds:
        notes.append(f"{n_refunds} rows with a negative amount (refunds) left out of spend")
    if np.isnan(amounts).any():
        raise ValueError("amounts contain NaN")

    cal_end = int(as_day(calibration_end).astype(np.int64)) if calibration_end is not None else None
    if cal_end is None:
        cal_end = int(days[~refund].max()) if (~refund).any() else int(days.max())
    hold_end = int(as_day(holdout_end).astype(np.int64)) if holdout_end is not None else None
    if hold_end is not None and hold_end < cal_end:
        raise ValueError("holdout_end is before calibration_end")
    last_day = hold_end if hold_end is not None else cal_end
    late = days > last_day
    n_after = int(late.sum())
    if n_after:
        notes.append(f"{n_after} rows dated after {np.datetime64(last_day, 'D')} left out")
    keep = ~(refund | late)
    ids, days, amounts = ids[keep], days[keep], amounts[keep]
    if ids.size == 0:
        raise ValueError("no purchases on or before the end date")

    # One sort on a combined (customer, day) key; integer ids are used directly, others coded.
    if np.issubdtype(ids.dtype, np.integer):
        id_min = int(ids.min())
        codes = ids.astype(np.int64) - id_min
        id_values = None
    else:
        id_values, codes = np.unique(ids, return_inverse=True)
        codes = codes.astype(np.int64)
        id_min = 0
    day_min = int(days.min())
    span = int(days.max()) - day_min + 1
    if codes.size and int(codes.max()) >= np.iinfo(np.int64).max // span:
        id_values, codes = np.unique(ids, return_inverse=True)
        codes, id_min = codes.astype(np.int64), 0
    key = codes * span + (days - day_min)
    n_rows = key.size
    if (int(key.max()) + 1) < np.iinfo(np.int64).max // n_rows:
        # Sorting plain int64 is several times faster than argsort: carry the row in the key.
        packed = np.sort(key * n_rows + np.arange(n_rows, dtype=np.int64))
        key, order = np.divmod(packed, n_rows)
    else:
        order = np.argsort(key)
        key = key[order]
    day_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    key = key[day_start]
    day_amount = np.add.reduceat(amounts[order], day_start)
    cust = key // span
    day = key - cust * span + day_min

    cust_start = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    first = day[cust_start]
    in_cal = day <= cal_end
    eligible = first <= cal_end
    n_first_after = int((~eligible).sum())

    n_cal = np.add.reduceat(in_cal.astype(np.int64), cust_start)
    spend_cal = np.add.reduceat(np.where(in_cal, day_amount, 0.0), cust_start)
    # Calibration days are a prefix of each customer's sorted days.
    last = day[cust_start + np.maximum(n_cal, 1) - 1]
    first_amount = day_amount[cust_start]
    holdout_x = None
    if hold_end is not None:
        holdout_x = np.add.reduceat((~in_cal).astype(np.int64), cust_start)[eligible]

    sel = eligible
    first, last, n_cal, spend_cal, first_amount = (
        first[sel],
        last[sel],
        n_cal[sel],
        spend_cal[sel],
        first_amount[sel],
    )
    codes_out = cust[cust_start][sel]
    out_ids = codes_out + id_min if id_values is None else id_values[codes_out]
    if id_values is None:
        out_ids = out_ids.astype(ids.dtype, copy=False)
    unit = DAYS_PER_UNIT[time_unit]
    x = n_cal - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        zbar = np.where(x > 0, (spend_cal - first_amount) / np.maximum(x, 1), np.nan)
    for note in notes:
        warnings.warn(
            note,
            RefundWarning if "refund" in note else LateTransactionWarning,
            stacklevel=2,
        )
    return TransactionSummary(
        customer_ids=out_ids,
        x=x,
        t_x=(last - first) / unit,
        T=(cal_end - first) / unit,
        first_purchase=first.astype("datetime64[D]"),
        last_purchase=last.astype("datetime64[D]"),
        order_count=n_cal,
        total_spend=spend_cal,
        mean_repeat_spend=zbar,
        time_unit=time_unit,
        calibration_end=np.datetime64(cal_end, "D"),
        holdout_end=None if hold_end is None else np.datetime64(hold_end, "D"),
        holdout_x=holdout_x,
        n_refunds=n_refunds,
        n_after_end=n_after,
        n_first_after_calibration=n_first_after,
        warnings=tuple(notes),
    )
