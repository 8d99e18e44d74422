"""The desk's commands: `daur ticket-mail FILE` takes one e-mail (.eml) as if it had arrived at
the support address (docs/service.md, "E-mail")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ticket-mail", help="take one e-mail (.eml) into the service desk: a new ticket or a reply"
    )
    p.add_argument("file", metavar="FILE", help="an RFC 822 message, e.g. saved as .eml")
    p.set_defaults(handler=cmd_ticket_mail)


def cmd_ticket_mail(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from django.conf import settings

    from daur.actions.servicedesk_inbound import MailRefused, ticket_mail_take

    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            raw = handle.read(settings.DAUR_INBOUND_EMAIL_MAX_BYTES + 1)
    except OSError as error:
        print(f"daur ticket-mail: {error}", file=sys.stderr)
        return 2
    try:
        taken = ticket_mail_take(raw, via=f"file {path.name}")
    except MailRefused as refusal:
        print(f"daur ticket-mail: {path}: refused: {refusal.reason}", file=sys.stderr)
        return 1
    said = {
        "opened": "opened ticket",
        "added": "added to ticket",
        "duplicate": "already taken, in ticket",
    }[taken.outcome]
    extra = " (a new contact)" if taken.new_contact and taken.outcome == "opened" else ""
    print(f"{path.name}: {said} {taken.reference}{extra}")
    return 0
