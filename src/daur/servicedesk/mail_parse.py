"""Reading an e-mail sent to the desk (RFC 822 bytes) into what a ticket needs: who sent it, the
Message-ID, the subject and the ticket reference it carries ("[T-2612-0A1B2C] Re: …"), and its
text. Pure (the standard library's `email` with policy.default, no database): the action
daur.actions.servicedesk_inbound decides what the message does.

The plain-text part is preferred; an HTML-only message is turned into text (tags dropped,
scripts and styles with their content, entities read). The text is kept as written (it is
escaped where shown). A message over the size limit, one whose MIME cannot be read, one
without a sender address, or an automatic one (an out-of-office answer, a bounce) is refused
with MailRefused saying why."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import errors, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

MAX_BYTES = 10 * 1024 * 1024
TEXT_LENGTH = 50_000  # the longest message a ticket keeps (the rest is cut)
# "[T-2612-0A1B2C]", "[DESK-0005]": letters and digits, then also . _ / -
REFERENCE = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._/-]{0,63})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|r|i|rif|tr)\s*:\s*)+", re.IGNORECASE)
# Defects after which the structure of the message cannot be trusted.
_FATAL = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.InvalidMultipartContentTransferEncodingDefect,
    errors.MissingHeaderBodySeparatorDefect,
)


class MailRefused(ValueError):
    """A message the desk does not take: `reason` in words for the log and the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundMail:
    message_id: str  # as sent, or "<sha256:…@daur>" of the bytes for a message without one
    sender: str  # the address, trimmed and in lower case
    sender_name: str
    subject: str  # without the reference and the "Re:" prefixes
    reference: str  # the ticket reference in square brackets, or ""
    text: str


class _Text(HTMLParser):
    _HIDDEN = {"script", "style", "head", "title"}
    _BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML body: tags dropped, lines kept, blank runs folded."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _defects(message: EmailMessage) -> list[str]:
    found = []
    for part in message.walk():
        found += [type(d).__name__ for d in part.defects if isinstance(d, _FATAL)]
    return found


def _sender(message: EmailMessage) -> tuple[str, str]:
    header = message.get("From")
    addresses: tuple[Address, ...] = getattr(header, "addresses", ()) if header else ()
    for address in addresses:
        if address.username and address.domain:
            return address.addr_spec.strip().lower(), address.display_name.strip()
    raise MailRefused("no sender address in From")


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return str(part.get_content())
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_text(str(part.get_content()))
    if message.get_content_maintype() == "text":
        return str(message.get_content())
    return ""


def subject_split(subject: str) -> tuple[str, str]:
    """(reference, subject without it and without "Re:"/"Fwd:" prefixes)."""
    found = REFERENCE.search(subject)
    reference = found.group(1) if found else ""
    if found:
        subject = subject[: found.start()] + subject[found.end() :]
    return reference, _REPLY_PREFIX.sub("", " ".join(subject.split())).strip()


def mail_parse(raw: bytes, *, max_bytes: int = MAX_BYTES) -> InboundMail:
    """The message in `raw`, or MailRefused naming why it is not taken."""
    if len(raw) > max_bytes:
        raise MailRefused(f"too large: {len(raw):,} bytes, the limit is {max_bytes:,}")
    if not raw.strip():
        raise MailRefused("empty message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        fatal = _defects(message)
        if fatal:
            raise MailRefused(f"malformed MIME: {', '.join(sorted(set(fatal)))}")
        sender, name = _sender(message)
        automatic = str(message.get("Auto-Submitted") or "no").strip().lower()
        if automatic != "no" or message.get_content_type() == "multipart/report":
            # An out-of-office answer or a bounce (RFC 3834, RFC 6522): taking it in would make
            # tickets (and new contacts) of mail servers, and could answer a robot in a loop.
            raise MailRefused(f"automatic message (Auto-Submitted: {automatic})")
        reference, subject = subject_split(str(message.get("Subject") or ""))
        text = _text(message)
        message_id = str(message.get("Message-ID") or "").strip()
    except MailRefused:
        raise
    except (errors.MessageError, LookupError, ValueError, TypeError, AttributeError) as error:
        raise MailRefused(f"malformed MIME: {type(error).__name__}: {error}") from None
    if not message_id or len(message_id) > 255:
        message_id = f"<sha256:{hashlib.sha256(raw).hexdigest()}@daur>"
    text = text.replace("\r\n", "\n").strip()
    if len(text) > TEXT_LENGTH:
        text = text[: TEXT_LENGTH - 1] + "…"
    return InboundMail(message_id, sender, name, subject, reference, text)
