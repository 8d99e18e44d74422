"""`daur token create` and `daur token revoke`: the API's tokens from the command line."""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="make or revoke an API token")
    actions = p.add_subparsers(dest="token_command", metavar="{create,revoke,list}", required=True)
    create = actions.add_parser(
        "create", help="make a token for USERNAME; it is printed once, on the last line"
    )
    create.add_argument("username", metavar="USERNAME")
    create.add_argument("--name", default="", metavar="LABEL", help="what the token is for")
    create.add_argument("--days", type=int, metavar="N", help="expire after N days")
    create.set_defaults(handler=cmd_token_create)
    revoke = actions.add_parser("revoke", help="revoke the token of id ID")
    revoke.add_argument("token_id", metavar="ID")
    revoke.set_defaults(handler=cmd_token_revoke)
    listing = actions.add_parser("list", help="print the tokens: id, user, name, prefix, state")
    listing.set_defaults(handler=cmd_token_list)


def cmd_token_create(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.accounts.models import User
    from daur.accounts.tokens import TokenRefused, token_create

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"daur token create: no user {args.username!r}", file=sys.stderr)
        return 2
    try:
        made = token_create(user=user, name=args.name, days=args.days)
    except TokenRefused as refusal:
        print(f"daur token create: {refusal}", file=sys.stderr)
        return 2
    print(f"API token {made.token.pk} for {user.get_username()}; it is shown only now:")
    print(made.secret)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.accounts.tokens import TokenRefused, token_revoke

    try:
        token_id = int(args.token_id)
        if not 0 < token_id < 2**63:
            raise ValueError
    except ValueError:
        print(f"daur token revoke: {args.token_id!r} is not a token id", file=sys.stderr)
        return 2
    try:
        token = token_revoke(token_id=token_id)
    except TokenRefused as refusal:
        print(f"daur token revoke: {refusal}", file=sys.stderr)
        return 2
    print(f"API token {token.pk} ({token.prefix}…) revoked.")
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.accounts.models import ApiToken

    for token in ApiToken.objects.select_related("user"):
        state = "revoked" if token.revoked_at else "active"
        print(f"{token.pk}\t{token.user.get_username()}\t{token.name}\t{token.prefix}…\t{state}")
    return 0
