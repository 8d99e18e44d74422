"""A real SMTP server for the tests and the bench (aiosmtpd, on a free local port): it keeps
what it receives and refuses the recipients of one domain as a mail server refuses an unknown
mailbox (550)."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

REFUSED_DOMAIN = "bounce.example"
REFUSAL = "550 5.1.1 <{address}>: Recipient address rejected: User unknown"
DEFERRED_DOMAIN = "defer.example"  # a greylisting server: try again later


class Sink:
    def __init__(self, *, keep: bool = True, delay: float = 0.0) -> None:
        self.keep = keep
        self.delay = delay  # seconds per message: a slow server, for the fault tests
        self.messages: list[EmailMessage] = []
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return REFUSAL.format(address=address)
        if address.lower().endswith("@" + DEFERRED_DOMAIN):
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.count += 1
            if self.keep:
                self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_start(*, keep: bool = True, delay: float = 0.0) -> tuple[Controller, Sink]:
    """Start a sink on 127.0.0.1 and a free port (controller.port); stop with controller.stop()."""
    sink = Sink(keep=keep, delay=delay)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink
