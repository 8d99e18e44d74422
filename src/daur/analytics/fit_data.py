"""The data `daur fit` reads: a transaction log or a customer summary CSV, checked and turned
into the columns the models take.

Pure: numpy, pyarrow's CSV reader (for a large summary) and the standard library. A bad cell is an
`InputError` naming its line and column. From a summary file only the columns the model uses are
read and checked: x, t_x and T for the purchase models, x and the mean repeat value for ggamma
(reading a million rows is most of the time of a `daur fit`).
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from dataclasses import dataclass

import numpy as np

TRANSACTION_COLUMNS = ("customer_id", "date", "amount")
# Accepted summary headers -> (x, t_x, T, mean repeat value or None) column names.
SUMMARY_LAYOUTS = {
    ("customer_id", "frequency", "recency", "T"): ("frequency", "recency", "T", None),
    ("customer_id", "frequency", "recency", "T", "monetary_value"): (
        "frequency", "recency", "T", "monetary_value",
    ),
    ("ID", "frequency", "recency", "T"): ("frequency", "recency", "T", None),
    ("ID", "x", "t_x", "T"): ("x", "t_x", "T", None),
    ("ID", "x", "t_x", "T", "zbar"): ("x", "t_x", "T", "zbar"),
}
# From this size on a summary is read by pyarrow: its import (about 0.05 s) costs less than
# numpy's loadtxt spends on the file (about 0.03 s a megabyte).
FAST_READ_BYTES = 2_000_000


class InputError(ValueError):
    """Bad input, with the line and column where it was found."""


@dataclass(frozen=True)
class FitData:
    x: np.ndarray
    t_x: np.ndarray | None  # None when the model does not use it (ggamma on a summary)
    T: np.ndarray | None
    mean_value: np.ndarray | None
    holdout_x: np.ndarray | None
    holdout_start: str | None
    holdout_end: str | None
    holdout_length: float
    notes: tuple[str, ...]


def fit_notes(data: FitData, model: str) -> list[str]:
    """What the fit will make of the data, for the warnings of the report."""
    if model == "ggamma" or data.T is None:
        return []
    newest = int((data.T == 0).sum())
    if not newest:
        return []
    return [f"{newest} customers first bought at the end of the data (T = 0): they are counted "
            "but carry no information for the fit"]


def read_fit_data(
    path: str, *, time_unit: str, calibration_end: str | None, model: str | None = None
) -> FitData:
    """The data in a transaction log or a summary; of a summary, the columns `model` uses
    (every column when `model` is None)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header_line = handle.readline()
        if not header_line.strip() and not handle.read().strip():
            raise InputError(f"{path}: the file is empty")
    header_line = header_line.rstrip("\r\n")
    header = tuple(cell.strip() for cell in next(csv.reader([header_line])))
    if set(header) == set(TRANSACTION_COLUMNS) and len(header) == 3:
        return _read_transactions(path, _read_text(path), header, time_unit, calibration_end)
    if header in SUMMARY_LAYOUTS:
        if calibration_end is not None:
            raise InputError(
                f"{path}: --calibration-end needs a transaction log; a summary has no dates"
            )
        return _read_summary(path, header, time_unit, model)
    raise InputError(
        f"{path}, line 1: unknown header {','.join(header)!r}; expected customer_id,date,amount "
        "or customer_id,frequency,recency,T[,monetary_value] (or ID,x,t_x,T[,zbar])"
    )


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return handle.read()


def _read_summary(
    path: str, header: tuple[str, ...], time_unit: str, model: str | None = None
) -> FitData:
    names = SUMMARY_LAYOUTS[header]
    spend_only = model == "ggamma" and names[3] is not None
    if spend_only:
        wanted = [names[0], names[3]]
    elif model is not None:
        wanted = list(names[:3])
    else:
        wanted = [n for n in names if n is not None]
    cols = [header.index(n) for n in wanted]
    arrays = None
    if os.path.getsize(path) >= FAST_READ_BYTES:
        arrays = _read_numbers_fast(path, len(header), cols)
    if arrays is None:
        arrays = _read_numbers(path, header, wanted)
    if arrays[0].size == 0:
        raise InputError(f"{path}: no data rows after the header")
    for name, values in zip(wanted, arrays):
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.argmax(bad))
            raise InputError(f"{path}, line {row + 2}, column {name}: not a finite number")
    columns = dict(zip(wanted, arrays))
    x, t_x, T = (columns.get(name) for name in names[:3])
    mean_value = columns.get(names[3]) if names[3] is not None else None
    checks = [((x < 0) | (np.floor(x) != x), names[0], "must be a whole number >= 0")]
    if t_x is not None:
        checks += [
            (T < 0, names[2], "must be >= 0"),
            ((t_x < 0) | (t_x > T), names[1], f"must be between 0 and {names[2]}"),
            ((x == 0) & (t_x != 0), names[1], f"must be 0 where {names[0]} is 0"),
            ((x > 0) & (t_x == 0), names[1], f"must be > 0 where {names[0]} is > 0"),
        ]
    if mean_value is not None:
        checks.append(((x > 0) & (mean_value <= 0), names[3], "must be > 0 where x > 0"))
    for mask, column, reason in checks:
        if mask.any():
            line = int(np.argmax(mask)) + 2
            raise InputError(f"{path}, line {line}, column {column}: {reason}")
    return FitData(x, t_x, T, mean_value, None, None, None, 0.0, ())


def _read_numbers_fast(path: str, n_columns: int, cols: list[int]) -> list[np.ndarray] | None:
    """The columns `cols` (after the header) as float64 arrays, by pyarrow's CSV reader.

    None when pyarrow is not installed or the file is not plain numbers in those columns (a
    blank cell, a short row, a word): `_read_numbers` then reads it and names the line.
    On a million rows this takes a tenth of numpy's loadtxt's time.
    """
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:
        return None
    names = [f"c{i}" for i in range(n_columns)]
    wanted = [names[c] for c in cols]
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pa_csv.ConvertOptions(
                include_columns=wanted, column_types=dict.fromkeys(wanted, pa.float64()),
                null_values=[], quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    return [np.ascontiguousarray(table.column(name).to_numpy(), dtype=np.float64)
            for name in wanted]


def _read_numbers(path: str, header, wanted) -> list[np.ndarray]:
    """The columns `wanted` as float64 arrays, by numpy; a bad cell is an InputError."""
    text = _read_text(path)
    cols = [header.index(n) for n in wanted]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = np.loadtxt(
                io.StringIO(text), delimiter=",", quotechar='"', skiprows=1, usecols=cols, ndmin=2,
                dtype=np.float64,
            )
    except ValueError:
        _raise_first_bad_number(path, text, header, wanted)
        raise
    return list(np.ascontiguousarray(table.T))


def _raise_first_bad_number(path: str, text: str, header, wanted) -> None:
    reader = csv.reader(io.StringIO(text))
    next(reader)
    index = {name: header.index(name) for name in wanted}
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(f"{path}, line {line}: {len(row)} columns, expected {len(header)}")
        for name, col in index.items():
            try:
                float(row[col])
            except ValueError:
                raise InputError(
                    f"{path}, line {line}, column {name}: {row[col]!r} is not a number"
                ) from None


def _read_transactions(path, text, header, time_unit, calibration_end) -> FitData:
    from daur.analytics.summary import as_day, summarise

    rows = list(csv.reader(io.StringIO(text)))[1:]
    rows = [row for row in rows if row]
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    for line, row in enumerate(rows, start=2):
        if len(row) != 3:
            raise InputError(f"{path}, line {line}: {len(row)} columns, expected 3")
    columns = dict(zip(header, zip(*rows)))
    ids = np.array(columns["customer_id"])
    dates = _parse_column(path, columns["date"], "date", _to_days)
    amounts = _parse_column(path, columns["amount"], "amount", _to_floats)
    if calibration_end is not None:
        try:
            cal_end = as_day(calibration_end)
        except ValueError:
            raise InputError(f"--calibration-end {calibration_end!r} is not an ISO date") from None
    last = dates.max()
    holdout_end = None
    if calibration_end is not None and last > cal_end:
        # Transactions after the calibration end make up the holdout period.
        holdout_end = last
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            summary = summarise(
                ids, dates, amounts, calibration_end=calibration_end, holdout_end=holdout_end,
                time_unit=time_unit,
            )
        except ValueError as error:
            raise InputError(f"{path}: {error}") from None
    notes = list(summary.warnings)
    if summary.n_first_after_calibration:
        notes.append(
            f"{summary.n_first_after_calibration} customers whose first purchase is after "
            f"{summary.calibration_end} left out"
        )
    start = None
    if holdout_end is not None:
        start = str(summary.calibration_end + np.timedelta64(1, "D"))
    return FitData(
        summary.x.astype(np.float64), summary.t_x, summary.T, summary.mean_repeat_spend,
        summary.holdout_x, start, None if holdout_end is None else str(holdout_end),
        summary.holdout_length, tuple(notes),
    )


def _to_days(values: np.ndarray) -> np.ndarray:
    # A date-time keeps its calendar day (the first ten characters of ISO 8601).
    return values.astype("U10").astype("datetime64[D]")


def _to_floats(values: np.ndarray) -> np.ndarray:
    out = values.astype(np.float64)
    if not np.isfinite(out).all():
        raise ValueError("not finite")
    return out


def _parse_column(path: str, values, name: str, convert):
    array = np.array(values)
    try:
        return convert(array)
    except ValueError:
        for line, value in enumerate(values, start=2):
            try:
                convert(np.array([value]))
            except ValueError:
                kind = "an ISO date" if name == "date" else "a finite number"
                raise InputError(
                    f"{path}, line {line}, column {name}: {value!r} is not {kind}"
                ) from None
        raise
