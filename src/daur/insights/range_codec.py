"""The parts a distributed run's ranges hand the merge, as JSON text (stored on ScoringRange).

numpy arrays travel as base64 of `np.save` without pickle, dataclasses by name from a fixed
list, dictionaries with integer keys as lists of pairs: nothing read back can run code.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from typing import Any

import numpy as np

from daur.analytics.btyd._fit import SufficientStats
from daur.analytics.fit_inputs import CalibrationSample, FitInputs, SpendRows
from daur.analytics.scoring_parts import RangeParts, ValueCounts

_CLASSES = {
    cls.__name__: cls
    for cls in (RangeParts, FitInputs, SufficientStats, SpendRows, CalibrationSample, ValueCounts)
}


def encode(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"))


def decode(text: str) -> Any:
    return _typed(json.loads(text))


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"__array__": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _CLASSES:
            raise TypeError(f"{name} is not a part a range hands on")
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__class__": name, "fields": fields}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _plain(v) for k, v in value.items()}}
        return {"__pairs__": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return {"__float__": str(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return np.load(io.BytesIO(base64.b64decode(value["__array__"])), allow_pickle=False)
    if "__class__" in value:
        cls = _CLASSES[value["__class__"]]
        return cls(**{k: _typed(v) for k, v in value["fields"].items()})
    if "__dict__" in value:
        return {k: _typed(v) for k, v in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_typed(k): _typed(v) for k, v in value["__pairs__"]}
    if "__float__" in value:
        return float(value["__float__"])
    raise ValueError(f"unknown encoded value with keys {sorted(value)}")
