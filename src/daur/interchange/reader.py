"""Streaming CSV reading with line numbers: each record knows the line it starts on."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import BinaryIO

# A 10 MB field must reach the validator, which rejects it by name, rather than stop the reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

BLOCK_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


# A record: the line it starts on (the header is line 1), its fields, and whether its bytes
# were not valid UTF-8. A plain tuple: a million are made per import, and a named one costs more.
Record = tuple[int, list[str], bool]


class CsvFile:
    """Decodes a CSV file a block at a time, and a bad block line by line, so that a stray
    non-UTF-8 byte is reported on its own line while good files are split and decoded in C."""

    def __init__(self, handle: BinaryIO, on_bytes: Callable[[int], None] | None = None) -> None:
        self._handle = handle
        self._on_bytes = on_bytes
        self._bad_lines: set[int] = set()
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
        reader = self._reader
        bad_lines = self._bad_lines
        start = 1
        try:
            for fields in reader:
                end = reader.line_num
                if bad_lines and any(n in bad_lines for n in range(start, end + 1)):
                    yield start, fields, True
                elif fields:
                    yield start, fields, False
                start = end + 1
        except csv.Error as error:
            # An unbalanced quote swallows the rest of the file: say where it began.
            raise MalformedCsv(start, str(error)) from None


class MalformedCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: the CSV is malformed ({reason})")
        self.line = line
        self.reason = reason
