"""Streaming CSV reading with line numbers: each record knows the line it starts on."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

# A 10 MB field must reach the validator, which rejects it by name, rather than stop the reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Record:
    line: int  # where the record starts; the header is line 1
    fields: list[str]
    bad_encoding: bool


class CsvFile:
    """Decodes a CSV file line by line, so a stray non-UTF-8 byte is reported on its own line."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[int], None] | None = None) -> None:
        self._handle = handle
        self._on_bytes = on_bytes
        self._bad_lines: set[int] = set()
        self._line_no = 0
        self._reader = csv.reader(self._decoded_lines(), strict=True)

    def _decoded_lines(self) -> Iterator[str]:
        first = True
        for raw in self._handle:
            self._line_no += 1
            if self._on_bytes:
                self._on_bytes(len(raw))
            if first:
                first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines.add(self._line_no)
                yield raw.decode("utf-8", errors="replace")

    def records(self) -> Iterator[Record]:
        """Every record, the header included; blank lines are skipped."""
        start = 1
        while True:
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                # An unbalanced quote swallows the rest of the file: say where it began.
                raise MalformedCsv(start, str(error)) from None
            end = self._reader.line_num
            bad = bool(self._bad_lines) and any(n in self._bad_lines for n in range(start, end + 1))
            if fields or bad:
                yield Record(start, fields, bad)
            start = end + 1


class MalformedCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: the CSV is malformed ({reason})")
        self.line = line
        self.reason = reason
