"""The CSV reader: line numbers survive quoted line breaks, bad bytes and chunked reading."""

from __future__ import annotations

import io
import random

import pytest

from daur.interchange import reader
from daur.interchange.reader import CsvFile, MalformedCsv

SAMPLE = (
    b"\xef\xbb\xbfid,note\n"  # line 1, with a byte-order mark
    b"1,plain\n"  # 2
    b'2,"two\nlines"\n'  # 3-4
    b"\n"  # 5, blank
    b"3,caf\xe9\n"  # 6, Latin-1
    b'4,"crlf\r\ninside"\r\n'  # 7-8
    b"5,last"  # 9, no final newline
)


def _flattened(data: bytes, size: int) -> list[tuple[int, list[str], bool]]:
    out = []
    for lines, rows, bad in CsvFile(io.BytesIO(data)).batches(size):
        for position, (line, fields) in enumerate(zip(lines, rows)):
            if position in bad or fields:
                out.append((line, fields, position in bad))
    return out


@pytest.mark.parametrize("block", [1, 5, 1 << 20])
def test_records_start_on_the_right_line(block, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    records = list(CsvFile(io.BytesIO(SAMPLE)).records())
    assert [(line, bad) for line, _, bad in records] == [
        (1, False),
        (2, False),
        (3, False),
        (6, True),
        (7, False),
        (9, False),
    ]
    assert records[0][1] == ["id", "note"] and records[2][1] == ["2", "two\nlines"]
    for size in (2, 3, 100):
        assert _flattened(SAMPLE, size) == records


def test_chunks_agree_with_one_record_at_a_time_on_random_input():
    pieces = [b"a", b"b,c", b'"x\ny"', b'"q""z"', b"\r", b"\n", b"\r\n", b"\xff", b"\xc3\xa9"]
    rng = random.Random(7)
    for _ in range(2000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        try:
            one = _flattened(data, 1)
        except MalformedCsv as error:
            with pytest.raises(MalformedCsv) as caught:
                _flattened(data, 4)
            assert caught.value.line == error.line
        else:
            assert _flattened(data, 4) == one
