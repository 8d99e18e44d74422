"""The marketing team's commands: `daur segment create` and `daur segment list`."""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segment", help="save a customer list's filter as a segment, list them")
    actions = p.add_subparsers(dest="segment_command", metavar="{create,list}", required=True)
    create = actions.add_parser("create", help="save the customer list of QUERY as NAME")
    create.add_argument("name", metavar="NAME")
    create.add_argument(
        "--filter", dest="query", metavar="QUERY", default="",
        help='the customer list\'s query string, e.g. "stage=retention&rfm_r=5"',
    )
    create.set_defaults(handler=cmd_segment_create)
    listing = actions.add_parser("list", help="print every segment: name, size, query")
    listing.set_defaults(handler=cmd_segment_list)


def cmd_segment_create(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.actions.segments import SegmentRefused, segment_create
    from daur.insights.segments import segment_figures

    try:
        segment = segment_create(name=args.name, query=args.query)
    except SegmentRefused as refusal:
        print(f"daur segment create: {refusal}", file=sys.stderr)
        return 2
    size = segment_figures(segment).size
    print(f"Segment {segment.name!r} saved: {size:,} customers ({segment.query or 'all'}).")
    return 0


def cmd_segment_list(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.campaigns.models import Segment
    from daur.insights.segments import segment_figures

    segments = list(Segment.objects.all())
    if not segments:
        print("No segments yet: `daur segment create NAME --filter QUERY` saves one.")
        return 0
    for segment in segments:
        try:
            size = f"{segment_figures(segment).size:,}"
        except ValueError:
            size = "?"
        print(f"{segment.name}\t{size}\t{segment.query}")
    return 0
