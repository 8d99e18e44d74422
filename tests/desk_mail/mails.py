"""Messages to the desk, built as a mail client writes them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def mail(
    sender: str = "Ayu Lestari <ayu@shop.example>",
    subject: str = "Where is my order?",
    text: str | None = "I ordered last week and nothing came.",
    html: str | None = None,
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@daur.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="shop.example")
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return bytes(message)
