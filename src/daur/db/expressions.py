"""ORM expressions whose SQL differs by database (Django compiles each per vendor)."""

from __future__ import annotations

from django.db.models import FloatField, Func, Q
from django.db.models.functions import Log


class Log10(Func):
    """The base-10 logarithm in double precision: Django's Log(10, x) computes in numeric on
    PostgreSQL, which took 25 of the 26 seconds of the score scan on a million customers."""

    function = "LOG"  # one argument: base 10 on PostgreSQL
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN201
        return Log(10, *self.get_source_expressions()).as_sqlite(compiler, connection, **extra)


def any_of(field: str, values) -> Q:  # noqa: ANN001 - an iterable of values
    """`field` equal to one of `values`, written as `field = a OR field = b …` rather than
    `field IN (a, b …)`: for a partial index's condition. PostgreSQL writes an IN on a varchar
    back as `= ANY ((ARRAY[…])::text[])`, and that text, run again (the scores' table swap and a
    bulk load rebuild indexes from it), comes back as a different text, so a rebuilt index would
    not look like the one its migration made; the equalities come back as they were."""
    values = list(values)
    if not values:
        raise ValueError("any_of needs at least one value")
    condition = Q(**{field: values[0]})
    for value in values[1:]:
        condition |= Q(**{field: value})
    return condition
