"""The operator's commands: `daur backup DIR` and `daur restore DIR` (and the desk's, from
daur.cli_desk: `daur ticket-mail FILE`)."""

from __future__ import annotations

import argparse
import sys

from daur.cli_desk import add_parsers as add_desk_parsers


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup", help="write every table, scores and history as CSV files plus a manifest"
    )
    p.add_argument("directory", metavar="DIR", help="a new or empty directory")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into an empty database")
    p.add_argument("directory", metavar="DIR", help="a directory written by `daur backup`")
    p.set_defaults(handler=cmd_restore)
    add_desk_parsers(sub)  # the desk's operations (cli.py registers this module's)


def cmd_backup(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.db.backup import BackupError, backup_write

    try:
        manifest = backup_write(args.directory)
    except (BackupError, OSError) as error:
        print(f"daur backup: {error}", file=sys.stderr)
        return 2
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"Backed up {rows:,} rows of {len(manifest['tables'])} tables to {args.directory}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.db.backup import BackupError, backup_restore

    try:
        counts = backup_restore(args.directory)
    except (BackupError, OSError) as error:
        print(f"daur restore: {error}", file=sys.stderr)
        return 2
    print(f"Restored {sum(counts.values()):,} rows of {len(counts)} tables from {args.directory}")
    return 0
