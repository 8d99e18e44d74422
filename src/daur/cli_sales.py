"""The sales team's commands: `daur duplicates`, `daur merge` and `daur assign-leads`."""

from __future__ import annotations

import argparse
import sys


def setup_django() -> None:
    from daur.cli import _setup_django

    _setup_django()


def cmd_duplicates(args: argparse.Namespace) -> int:
    setup_django()
    from daur.interchange.duplicates import duplicates_write

    if not 0 <= args.threshold <= 1:
        print("daur duplicates: --threshold is a score between 0 and 1", file=sys.stderr)
        return 2

    try:
        count = duplicates_write(path=args.file, threshold=args.threshold)
    except OSError as error:
        print(f"daur duplicates: {error.filename or args.file}: {error.strerror}", file=sys.stderr)
        return 2
    print(
        f"{count:,} suspected duplicate pairs written to {args.file}",
        file=sys.stderr if args.file == "-" else sys.stdout,
    )
    return 0


def _merge_user(username: str):  # noqa: ANN202 - a User or None
    """The active user named by --user; None without it; LookupError naming an unknown one."""
    if not username:
        return None
    from daur.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise LookupError(f"--user: no active user is named {username!r}")
    return user


def cmd_merge(args: argparse.Namespace) -> int:
    setup_django()
    from daur.actions.customers_merge import MergeRefused, customer_merge, customer_merge_undo

    try:
        user = _merge_user(args.user)
    except LookupError as error:
        print(f"daur merge: {error}", file=sys.stderr)
        return 2
    by = f"recorded as by {user.username}" if user else "recorded with no user (see --user)"
    try:
        if args.undo is not None:
            if args.keep_id or args.duplicate_ids:
                print("daur merge: --undo takes no customer ids", file=sys.stderr)
                return 2
            merge = customer_merge_undo(merge_id=args.undo, user=user)
            print(
                f"Undid merge {merge.pk}: {merge.duplicate_external_id} restored with "
                f"{merge.moved_count:,} records moved back from {merge.kept_external_id}; {by}."
            )
            return 0
        if not args.keep_id or not args.duplicate_ids:
            print("daur merge: give KEEP_ID and at least one DUPLICATE_ID", file=sys.stderr)
            return 2
        merges = customer_merge(
            keep_id=args.keep_id, duplicate_ids=args.duplicate_ids, user=user
        )
    except MergeRefused as refusal:
        print(f"daur merge: {refusal}", file=sys.stderr)
        return 2
    for merge in merges:
        moved = ", ".join(f"{len(ids):,} {label}" for label, ids in merge.moved.items())
        print(
            f"Merged {merge.duplicate_external_id} into {merge.kept_external_id} "
            f"(merge {merge.pk}; undo with `daur merge --undo {merge.pk}`): "
            f"{moved or 'no related records'} moved; {by}."
        )
    return 0


def cmd_assign_leads(args: argparse.Namespace) -> int:
    """Give an owner to the open leads without one (an imported file's, say)."""
    setup_django()
    from collections import Counter

    from daur.actions.leads import leads_assign
    from daur.leads.assignment_reasons import reason_words

    plan = leads_assign(mode=args.mode)
    given = Counter(a.owner_id for a in plan if a.owner_id is not None)
    left = sum(1 for a in plan if a.owner_id is None)
    print(f"{sum(given.values()):,} leads assigned to {len(given):,} reps; {left:,} left without")
    if args.verbose:
        for a in plan:
            print(f"  lead {a.lead_id}: {reason_words(a.reason)}")
    return 0
