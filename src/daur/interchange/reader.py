"""Streaming CSV reading with line numbers: each record knows the line it starts on."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import BinaryIO

# A 10 MB field must reach the validator, which rejects it by name, rather than stop the reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

BLOCK_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


# A record: the line it starts on (the header is line 1), its fields, and whether its bytes
# were not valid UTF-8. A plain tuple: a million are made per import, and a named one costs more.
Record = tuple[int, list[str], bool]
Batch = tuple["Sequence[int]", list[list[str]], set[int]]


class CsvFile:
    """Decodes a CSV file a block at a time, and a bad block line by line, so that a stray
    non-UTF-8 byte is reported on its own line while good files are split and decoded in C."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[int], None] | None = None) -> None:
        self._handle = handle
        self._on_bytes = on_bytes
        self._bad_lines: set[int] = set()
        self._next_line = 1  # where the next record starts
        self._reader = csv.reader(chain.from_iterable(self._blocks()), strict=True)

    def _blocks(self) -> Iterator[Iterable[str]]:
        """The file's lines, split on "\n" only (as the CSV line numbers count them), by block."""
        lines_before = 0
        rest = b""
        first = True
        while True:
            data = self._handle.read(BLOCK_BYTES)
            if self._on_bytes and data:
                self._on_bytes(len(data))
            if data:
                cut = data.rfind(b"\n") + 1
                if not cut:  # a line longer than a block: read on
                    rest += data
                    continue
                block, rest = rest + data[:cut], data[cut:]
            else:
                block, rest = rest, b""
                if not block:
                    return
            if first:
                first = False
                block = block.removeprefix(BOM)
            try:
                yield io.StringIO(block.decode("utf-8"), newline="\n")
            except UnicodeDecodeError:
                yield self._line_by_line(block, lines_before)
            lines_before += block.count(b"\n")

    def _line_by_line(self, block: bytes, lines_before: int) -> Iterator[str]:
        for number, raw in enumerate(io.BytesIO(block), lines_before + 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    def records(self) -> Iterator[Record]:
        """Every record, the header included; blank lines are skipped."""
        for lines, rows, bad in self.batches(1):
            for line, fields, index in zip(lines, rows, range(len(rows))):
                if index in bad:
                    yield line, fields, True
                elif fields:
                    yield line, fields, False

    def batches(self, size: int) -> Iterator[Batch]:
        """The next records, up to `size` at a time: the line each starts on, their fields (a
        blank line gives []), and the positions of those with bytes that were not UTF-8."""
        reader = self._reader
        while True:
            start = self._next_line
            rows: list[list[str]] = []
            try:
                rows.extend(islice(reader, size))  # on an error, keeps the rows read before it
            except csv.Error as error:
                # An unbalanced quote swallows the rest of the file: say where it began.
                line = _starts(rows, start)[-1] if rows else start
                raise MalformedCsv(line, str(error)) from None
            if not rows:
                return
            end = reader.line_num
            self._next_line = end + 1  # before the yield: records() and batches() take turns
            if end - start + 1 == len(rows):  # one line a record, as most files have
                lines: Sequence[int] = range(start, end + 1)
                bad = self._bad_positions(lines, None, end) if self._bad_lines else set()
            else:
                starts = _starts(rows, start)
                lines = starts[:-1]
                bad = self._bad_positions(lines, starts, end) if self._bad_lines else set()
            yield lines, rows, bad

    def _bad_positions(self, lines: Sequence[int], starts: list[int] | None, end: int) -> set[int]:
        bad_lines = self._bad_lines
        if starts is None:
            return {i for i, line in enumerate(lines) if line in bad_lines}
        return {
            i
            for i in range(len(lines))
            if any(n in bad_lines for n in range(starts[i], min(starts[i + 1], end + 1)))
        }


def _starts(rows: list[list[str]], start: int) -> list[int]:
    """Where each record starts, and where the next would: a record takes one line plus one per
    line break inside its quoted fields, as the reader splits lines at "\n" only."""
    starts = [start]
    for fields in rows:
        start += 1 + sum(field.count("\n") for field in fields)
        starts.append(start)
    return starts


class MalformedCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: the CSV is malformed ({reason})")
        self.line = line
        self.reason = reason
