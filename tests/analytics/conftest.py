"""Shared fixtures for the analytics tests: the CDNOW sample, summarised by our own code."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from daur.analytics.summary import summarise

CDNOW_DIR = Path(__file__).resolve().parents[1] / "data" / "cdnow"
CALIBRATION_END = "1997-09-30"
HOLDOUT_END = "1998-06-30"


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    """tests/data/cdnow: shipped with the repository (its README gives the source)."""
    return CDNOW_DIR


def read_cdnow_sample(path: Path):
    """CDNOW_sample.txt: customer_id, sample_id, YYYYMMDD, number_of_cds, dollar_value."""
    raw = np.loadtxt(path, dtype=str, ndmin=2)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    return raw[:, 1].astype(np.int64), dates, raw[:, 4].astype(np.float64)


def read_transactions_csv(path: Path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    ids, dates, amounts = zip(*rows)
    return np.array(ids), np.array(dates, dtype="datetime64[D]"), np.array(amounts, dtype=float)


@pytest.fixture(scope="session")
def cdnow_log(cdnow_dir):
    """(customer ids = the papers' sample ids, dates, amounts) from CDNOW_sample.txt."""
    return read_cdnow_sample(cdnow_dir / "CDNOW_sample.txt")


@pytest.fixture(scope="session")
def cdnow_csv_log(cdnow_dir):
    """(customer ids, dates, amounts) from the interchange CSV of the same sample."""
    return read_transactions_csv(cdnow_dir / "cdnow_sample_transactions.csv")


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_log):
    ids, dates, amounts = cdnow_log
    return summarise(
        ids,
        dates,
        amounts,
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
        time_unit="week",
    )
