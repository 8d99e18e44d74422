"""The marketing team's commands: `daur segment create|list` and `daur campaign
create|launch|report` (SPEC §4)."""

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
    add_campaign_parsers(sub)


def add_campaign_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("campaign", help="create, launch and read out a campaign with a hold-out")
    actions = p.add_subparsers(
        dest="campaign_command", metavar="{create,launch,report}", required=True
    )
    create = actions.add_parser("create", help="a draft campaign for a saved segment")
    create.add_argument("--name", required=True, metavar="N")
    create.add_argument("--segment", required=True, metavar="NAME", help="a saved segment's name")
    create.add_argument(
        "--offer", required=True, metavar="OFFER",
        help="newsletter, coupon, vip_discount, loyalty_promotion, event_invitation, nps_survey",
    )
    create.add_argument("--holdout", default="0.10", metavar="SHARE", help="default 0.10")
    create.add_argument("--discount-percent", metavar="P")
    create.add_argument("--expires", metavar="DATE", help="the coupons' last day (YYYY-MM-DD)")
    create.add_argument("--window-days", metavar="DAYS", help="the attribution window (30)")
    create.add_argument("--cost", metavar="X")
    create.add_argument("--channel", default="email", metavar="C")
    create.add_argument("--event", metavar="ID", help="an event_invitation's event (number)")
    create.set_defaults(handler=cmd_campaign_create)
    launch = actions.add_parser("launch", help="freeze the members, draw the hold-out, coupons")
    launch.add_argument("id", metavar="ID")
    launch.add_argument("--seed", metavar="S")
    launch.add_argument(
        "--at", metavar="DATETIME", help="a launch made earlier (imported history): sends nothing"
    )
    launch.set_defaults(handler=cmd_campaign_launch)
    report = actions.add_parser("report", help="the uplift of a launched campaign")
    report.add_argument("id", metavar="ID")
    report.add_argument("--json", action="store_true", help="SPEC §4's JSON object")
    report.set_defaults(handler=cmd_campaign_report)


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


def _refuse(command: str, message: object) -> int:
    print(f"daur campaign {command}: {message}", file=sys.stderr)
    return 2


def _campaign(ident: str):  # noqa: ANN202 - a Campaign, or None
    """The campaign of a campaign id (`C12`), or of its number (`12`)."""
    from daur.campaigns.models import Campaign

    found = Campaign.objects.filter(external_id=ident).first()
    if found is None and ident.isdigit() and len(ident) < 19:
        found = Campaign.objects.filter(pk=int(ident)).first()
    return found


def cmd_campaign_create(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from datetime import date

    from daur.actions.campaigns import CampaignRefused, campaign_create
    from daur.campaigns.models import Segment

    segment = Segment.objects.filter(name__iexact=args.segment.strip()).first()
    if segment is None:
        return _refuse("create", f"--segment: no segment is named {args.segment!r}")
    try:
        expires = date.fromisoformat(args.expires) if args.expires else None
    except ValueError:
        return _refuse("create", f"--expires: {args.expires!r} is not a date (YYYY-MM-DD)")
    event = None
    if args.event is not None:
        from daur.community.models import Event

        text = args.event.strip()
        event = Event.objects.filter(pk=int(text)).first() if text.isdigit() else None
        if event is None:
            return _refuse("create", f"--event: no event has the number {args.event!r}")
    window = None
    if args.window_days is not None:
        if not args.window_days.strip().isdigit():
            return _refuse("create", f"--window-days: {args.window_days!r} is not a number of days")
        window = int(args.window_days)
    try:
        campaign = campaign_create(
            name=args.name,
            segment=segment,
            offer=args.offer,
            holdout=args.holdout,
            discount_percent=args.discount_percent,
            expires=expires,
            window_days=window,
            cost=args.cost,
            channel=args.channel,
            event=event,
        )
    except CampaignRefused as refusal:
        return _refuse("create", refusal)
    print(
        f"Campaign {campaign.name!r} created for segment {segment.name!r}: offer {campaign.offer},"
        f" hold-out {campaign.holdout_share:.0%}, window {campaign.window_days} days."
    )
    print(campaign.external_id)
    return 0


def cmd_campaign_launch(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from daur.actions.campaigns import CampaignRefused, campaign_launch
    from daur.interchange.dates import parse_datetime

    campaign = _campaign(args.id)
    if campaign is None:
        return _refuse("launch", f"no campaign has the id {args.id!r}")
    at = None
    if args.at is not None:
        try:
            at = parse_datetime(args.at, ZoneInfo(settings.TIME_ZONE))
        except ValueError as error:
            return _refuse("launch", f"--at: {error}")
    try:
        launched = campaign_launch(campaign, seed=args.seed, at=at)
    except CampaignRefused as refusal:
        return _refuse("launch", refusal)
    print(
        f"Campaign {campaign.external_id} launched at {campaign.launched_at.isoformat()}:"
        f" {launched.members:,} members, {launched.treated:,} treated, {launched.holdout:,} in"
        f" the hold-out, {launched.coupons:,} coupons (seed {campaign.seed})."
    )
    if launched.emails_queued or launched.emails_skipped:
        from daur.jobs import emails_dispatch

        print(
            f"{launched.emails_queued:,} e-mails queued, {launched.emails_skipped:,} skipped"
            " (no address or opted out; see the outbox)."
        )
        sent = emails_dispatch()
        if sent is None:
            print("Sending on the workers.")
        else:
            print(f"Sent {sent['sent']:,}, failed {sent['failed']:,}.")
    return 0


def cmd_campaign_report(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    import json

    from daur.insights.campaign_report import NotLaunched, campaign_report

    campaign = _campaign(args.id)
    if campaign is None:
        return _refuse("report", f"no campaign has the id {args.id!r}")
    try:
        report = campaign_report(campaign)
    except NotLaunched as reason:
        return _refuse("report", reason)
    data = report.to_json()
    if campaign.survey_round_id:
        from daur.insights.campaign_mail import survey_answers

        data["survey_answers"] = survey_answers(campaign)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"Campaign {data['campaign_id']}, launched {data['launched_at']}, "
          f"window {data['window_days']} days")
    for name in ("treated", "holdout"):
        g = data["groups"][name]
        rate = "-" if g["conversion_rate"] is None else f"{g['conversion_rate']:.2%}"
        spend = "-" if g["spend_per_member"] is None else f"{g['spend_per_member']:,.2f}"
        print(f"  {name}: {g['members']:,} members, {g['converted']:,} converted ({rate}), "
              f"spend per member {spend}, {g['redemptions'] or 0:,} redemptions")
    for name, unit in (("conversion", "points"), ("spend_per_member", "per member")):
        print(f"  uplift in {name.replace('_', ' ')}: {_estimate(data['uplift'][name], unit)}")
    for name, g in data.get("survey_answers", {}).items():
        rate = "-" if g["answer_rate"] is None else f"{g['answer_rate']:.1%}"
        print(f"  {name}: {g['answered']:,} of {g['invited']:,} invited answered ({rate})")
    if not data["measurable"]:
        print(f"  not measurable: {data['reason']}")
    return 0


def _estimate(e: dict, unit: str) -> str:
    scale = 100.0 if unit == "points" else 1.0
    if e["estimate"] is None:
        return "-"
    text = f"{e['estimate'] * scale:+,.2f} {unit}"
    if e["ci_low"] is not None:
        text += f" (95 % interval {e['ci_low'] * scale:+,.2f} to {e['ci_high'] * scale:+,.2f}"
        text += f", p = {e['p_value']:.3g})"
    return text
