"""Parsing in a second process while this one streams the parsed chunks into COPY."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

from django.db import connections

from daur.db.copy import copy_text
from daur.interchange.reader import MalformedCsv

# Forking a Django process costs a few milliseconds: only worth it for files of some size.
PIPELINE_MIN_BYTES = 4 << 20

Chunk = tuple[Any, list[Any], int]  # staged columns (or their COPY text), problems, row count


def usable(file_bytes: int) -> bool:
    """Whether parsing can run in a forked process: on a large file, where fork exists, and not
    inside a daemonic process (a Celery worker's), which may not have children."""
    return (
        file_bytes >= PIPELINE_MIN_BYTES
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def parsed_in_child(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """Run `chunks` (reading and parsing the file) in a forked child; yield its chunks as COPY
    text. With two cores, parsing, COPY into the server and the server itself overlap instead of
    taking turns. The pipe holds a chunk or two, so memory stays flat."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Forked, the child continues the parent's open file and reader where the header ended; it
    # never touches the database connection, and leaves through os._exit, which closes nothing.
    parent = os.getpid()
    process = context.Process(
        target=_produce, args=(chunks, sender, receiver, parent), daemon=True
    )
    process.start()
    sender.close()  # so that a child that dies shows here as EOFError rather than a hang
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError("the parsing process ended unexpectedly") from None
            if message[0] == "chunk":
                yield message[1:]
            elif message[0] == "done":
                return
            elif message[0] == "malformed":
                raise MalformedCsv(message[1], message[2])
            else:
                raise RuntimeError(f"parsing failed: {message[1]}")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


def _produce(chunks: Iterator[Chunk], sender: Any, receiver: Any, parent: int) -> None:
    _die_with(parent)
    _let_go_of_database_sessions()
    receiver.close()  # a parent gone for any reason is then a broken pipe here, not a hang
    try:
        for columns, problems, rows in chunks:
            sender.send(("chunk", copy_text(columns), problems, rows))
        sender.send(("done",))
    except MalformedCsv as error:
        sender.send(("malformed", error.line, error.reason))
    except BaseException as error:  # reported by the parent, which raises it
        sender.send(("error", f"{type(error).__name__}: {error}"))


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies, even by SIGKILL (Linux; elsewhere
    the closed pipe ends it at its next chunk). The import forks from the thread that runs it,
    which lives as long as the import."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)


def _let_go_of_database_sessions() -> None:
    """Drop this process's copy of each inherited database socket without a word to the server:
    the parent's session stays the parent's, and ends when the parent does. The socket's
    descriptor is pointed at /dev/null rather than closed, so that no file later opened here
    takes its number while the driver still holds it."""
    for connection in connections.all(initialized_only=True):
        driver = connection.connection
        if driver is None or not hasattr(driver, "fileno") or driver.closed:
            continue  # SQLite has no socket; a closed connection holds none
        socket = driver.fileno()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, socket)
        os.close(null)
