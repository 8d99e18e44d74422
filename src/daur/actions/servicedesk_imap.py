"""Polling the desk's mailbox (IMAP, the standard library's imaplib): each unread message is
taken (daur.actions.servicedesk_inbound) and then marked read, a refused one too (it is logged
and left in the mailbox, flagged, for a person to look at). Taking is idempotent by Message-ID,
so a message polled again after a crash between taking and marking adds nothing."""

from __future__ import annotations

import contextlib
import imaplib
import logging
from dataclasses import dataclass, field

from django.conf import settings

from daur.actions.servicedesk_inbound import MailRefused, ticket_mail_take

logger = logging.getLogger(__name__)


@dataclass
class MailPolled:
    outcomes: dict[str, int] = field(default_factory=dict)  # opened, added, duplicate, refused
    error: str = ""  # why the mailbox could not be read

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def imap_configured() -> bool:
    return bool(settings.DAUR_SUPPORT_IMAP_HOST and settings.DAUR_SUPPORT_IMAP_USER)


def polled_message_take(raw: bytes, polled: MailPolled) -> bool:
    """Take one fetched message; True when it was refused (to be flagged for a person)."""
    try:
        polled.count(ticket_mail_take(raw, via="imap").outcome)
    except MailRefused:
        polled.count("refused")
        return True
    return False


def _connect() -> imaplib.IMAP4:
    host, port = settings.DAUR_SUPPORT_IMAP_HOST, settings.DAUR_SUPPORT_IMAP_PORT
    if port == 993:
        return imaplib.IMAP4_SSL(host, port, timeout=60)
    imap = imaplib.IMAP4(host, port, timeout=60)
    imap.starttls()
    return imap


def tickets_mail_poll(*, limit: int = 200) -> MailPolled:
    """Take the unread messages of the support mailbox (at most `limit` per run); nothing when
    no mailbox is configured."""
    polled = MailPolled()
    if not imap_configured():
        return polled
    try:
        imap = _connect()
    except (OSError, imaplib.IMAP4.error) as error:
        polled.error = f"{type(error).__name__}: {error}"
        logger.warning("Support mailbox not reached: %s", polled.error)
        return polled
    try:
        imap.login(settings.DAUR_SUPPORT_IMAP_USER, settings.DAUR_SUPPORT_IMAP_PASSWORD)
        imap.select(settings.DAUR_SUPPORT_IMAP_FOLDER)
        _, found = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (found[0] or b"").split()[:limit]:
            _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in data if isinstance(item, tuple)), b"")
            flags = r"(\Seen \Flagged)" if polled_message_take(raw, polled) else r"(\Seen)"
            imap.uid("STORE", uid, "+FLAGS", flags)
    except (OSError, imaplib.IMAP4.error) as error:
        polled.error = f"{type(error).__name__}: {error}"
        logger.warning("Support mailbox poll stopped: %s", polled.error)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    return polled
