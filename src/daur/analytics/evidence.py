"""Evidence: why a label, stage or strategy fired, as a stable English template plus its values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Evidence:
    """One reason. `template` is a `str.format` string the web layer translates with gettext.

    Keep templates few and stable: the code names the reason, the values fill it in.
    """

    code: str
    template: str
    values: Mapping[str, float | int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def text(self) -> str:
        return self.template.format(**self.values)


def scalar(value: object) -> float | int:
    """A numpy scalar as a plain Python number, so evidence values are JSON-friendly."""
    number = value.item() if hasattr(value, "item") else value
    if isinstance(number, float) and not math.isnan(number) and number.is_integer():
        return int(number)
    return number  # type: ignore[return-value]
