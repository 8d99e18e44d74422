"""The `daur` command: a thin interface over the same functions the web pages and the API use."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from daur.cli_marketing import add_parsers as add_segment_parsers
from daur.cli_ops import add_parsers as add_ops_parsers
from daur.cli_processes import add_parsers as add_process_parsers
from daur.cli_sales import cmd_assign_leads, cmd_duplicates, cmd_merge
from daur.cli_tokens import add_parsers as add_token_parsers
from daur.vocabulary import INTERCHANGE_KINDS

EXPORTS = ("scores", "lead_scores", "campaign_members")  # beside the nine kinds


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")
    import django

    django.setup()


def cmd_init(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    from django.conf import settings

    from daur.schedules import schedules_ensure

    for name in schedules_ensure():
        print(f"Schedule added: {name}")

    db = settings.DATABASES["default"]
    print(f"Database ready: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from datetime import date

    from django.utils import timezone

    try:
        end = date.fromisoformat(args.end) if args.end else timezone.localdate()
    except ValueError:
        print(f"daur demo: --end {args.end!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    os.environ["DAUR_DEMO_END"] = end.isoformat()  # read once, when the generator is imported
    from daur.demo.load import demo_load

    summary = demo_load(
        customers=args.customers, seed=args.seed, progress=sys.stderr.isatty(), desk=True,
        campaigns=True,
    )
    print(summary)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from daur.actions.interchange import file_import
    from daur.db.dialect import connection_lost
    from daur.interchange.outcome import ImportFailed

    try:
        result = file_import(
            kind=args.kind,
            path=args.file,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            progress=sys.stderr.isatty(),
        )
    except ImportFailed as failure:
        print(failure.report(), file=sys.stderr)
        return 1
    except OSError as error:  # no such file, a directory, no permission: nothing was written
        print(f"daur import: {error.filename or args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except Exception as error:
        if not connection_lost(error):
            raise
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(
            f"daur import: the database connection was lost ({reason}). Nothing was written: "
            "run the import again.",
            file=sys.stderr,
        )
        return 1
    print(result.report())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _setup_django()
    from daur.interchange.exporter import ExportUnavailable, export_file

    try:
        count = export_file(kind=args.kind, path=args.file)
    except ExportUnavailable as reason:
        print(f"daur export: {reason}.", file=sys.stderr)
        return 2
    except OSError as error:  # a directory, no such folder, no permission
        print(f"daur export: {error.filename or args.file}: {error.strerror}", file=sys.stderr)
        return 2
    # With "-" the CSV is on standard output: keep the summary off it.
    print(
        f"Exported {count:,} {args.kind} rows to {args.file}",
        file=sys.stderr if args.file == "-" else sys.stdout,
    )
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    _setup_django()
    from datetime import date

    from daur.definitions.rules import rules_config
    from daur.insights.models import PersonaRun
    from daur.jobs import FollowupsFailed, score_run

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"daur score: --as-of {args.as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    try:
        rules_config()
    except (OSError, ValueError) as error:  # tomllib's errors are ValueErrors
        print(f"daur score: rules file {settings_rules_file()}: {error}", file=sys.stderr)
        return 2
    from daur.insights.distributed import PHASES, DistributedScoringError

    shown: dict[int, int] = {}

    def progress(run, phase: int, done: int, total: int) -> None:  # noqa: ANN001 - a ScoringRun
        if shown.get(phase) != done:
            shown[phase] = done
            print(f"  {PHASES[phase]}: {done} of {total} ranges done", flush=True)

    if args.distributed and args.incremental:
        print("daur score: --incremental and --distributed do not go together", file=sys.stderr)
        return 2
    try:
        job = score_run(
            as_of=as_of, distributed=args.distributed, incremental=args.incremental,
            range_size=args.range_size, progress=progress,
        )
    except DistributedScoringError as error:
        print(f"daur score: {error}", file=sys.stderr)
        return 1
    except FollowupsFailed as failure:
        print(run_report(failure.run))
        print(f"daur score: {failure.run.message}", file=sys.stderr)
        return 1
    print(run_report(job.run))
    laps = getattr(job.run, "phase_seconds", None)
    if laps:
        print("  Distributed over " + f"{job.run.ranges_total} ranges: "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in laps.items()) + ".")
    checked = (job.run.fits.get("lead_score") or {}).get("quality", {}).get("holdout")
    if checked:
        print(
            f"  Lead score on the held-out closed leads: Brier {checked['brier']:.4f}, "
            f"AUC {checked['auc']:.3f}, calibration error {checked['calibration_error']:.4f}."
        )
    print(f"  Dashboard figures stored in {job.facts.seconds:.1f} s.")
    persona_run = PersonaRun.objects.filter(run=job.run).first()
    if persona_run is not None:
        print(f"  Buyer personas: {persona_run.k} groups of {persona_run.buyers:,} buyers"
              " (/personas/).")
    print(f"  Behaviour-change alerts: {len(job.alerts):,} open.")
    for alert in job.alerts:
        print(
            f"    {alert.segment_kind} {alert.segment}: {alert.metric} over {alert.window_days} "
            f"days {alert.change:+.0%} ({alert.observed:,.0f} vs {alert.expected:,.0f} expected, "
            f"p {alert.p_value:.2g})"
        )
    return 0


def settings_rules_file() -> str:
    from django.conf import settings

    return str(settings.DAUR_RULES_FILE)


def run_report(run) -> str:  # noqa: ANN001 - a ScoringRun
    lines = [
        f"Scored {run.n_customers:,} customers ({run.n_buyers:,} buyers) as of {run.as_of} "
        f"in {run.seconds:.1f} s."
    ]
    chosen = run.fits.get("purchase_model", "bgnbd")
    for name in ("bgnbd", "mbgnbd", "pareto", "ggamma"):
        fit = run.fits.get(name) or {}
        if "params" not in fit:
            continue
        params = ", ".join(f"{k} {v:.4g}" for k, v in fit["params"].items())
        mark = " (chosen)" if name == chosen else ""
        ll = fit["log_likelihood"]
        ll_text = "n/a" if ll is None else f"{ll:.1f}"
        lines.append(f"  {name}{mark}: {params}; log-likelihood {ll_text}")
    if run.message:
        lines.append(f"  {run.message}")
    late = {k: v for k, v in run.events_after_as_of.items() if v}
    if late:
        listed = ", ".join(f"{v:,} {k}" for k, v in late.items())
        lines.append(f"  Left out, dated after the as-of date: {listed}.")
    return "\n".join(lines)


def cmd_kpi(args: argparse.Namespace) -> int:
    _setup_django()
    import json
    from datetime import date

    from daur.insights.kpi_report import kpis_as_mapping, kpis_text
    from daur.insights.kpis import kpis_compute

    try:
        date_from = date.fromisoformat(args.date_from) if args.date_from else None
        date_to = date.fromisoformat(args.date_to) if args.date_to else None
        kpis = kpis_compute(date_from=date_from, date_to=date_to)
    except ValueError as problem:
        print(f"daur kpi: {problem}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(kpis_as_mapping(kpis), ensure_ascii=False))
    else:
        print(kpis_text(kpis))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    # Pure analytics: no Django import, so start-up stays fast.
    from daur.fitcli import fit_command

    return fit_command(
        path=args.file,
        model=args.model,
        time_unit=args.time_unit,
        calibration_end=args.calibration_end,
        as_json=args.json,
        out=sys.stdout,
    )


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["daur manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="daur",
        description="Daur, the CRM built around the customer life cycle.",
        epilog="The database comes from DAUR_DATABASE_URL "
        "(default: an SQLite file daur.sqlite3 in the working directory).",
    )
    from daur import __version__

    parser.add_argument("--version", action="version", version=f"daur {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("init", help="create or migrate the database")
    p.add_argument("-v", "--verbose", action="store_true", help="list each migration")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", help="create a believable demo business and demo users")
    p.add_argument("--customers", type=int, default=2000, metavar="N")
    p.add_argument("--seed", type=int, default=7, metavar="S")
    p.add_argument(
        "--end", metavar="DATE",
        help="the business's last day (default: today, so the demo is live)",
    )
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("import", help="import a CSV file of one kind (all rows valid, or nothing)")
    p.add_argument(
        "kind", choices=INTERCHANGE_KINDS, metavar="KIND", help=", ".join(INTERCHANGE_KINDS)
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="validate every row, write nothing")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and FILE.rejects.csv with the others and their reasons",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="export one kind (or the scores) as CSV")
    p.add_argument(
        "kind",
        choices=(*INTERCHANGE_KINDS, *EXPORTS),
        metavar="KIND",
        help=", ".join((*INTERCHANGE_KINDS, *EXPORTS)),
    )
    p.add_argument("file", metavar="FILE", help="a path, or - for standard output")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("score", help="fit the models and score every customer and every open lead")
    p.add_argument("--as-of", metavar="DATE")
    p.add_argument(
        "--distributed", action="store_true",
        help="score ranges of customers on the Celery workers (PostgreSQL; docs/scale.md)",
    )
    p.add_argument(
        "--incremental", action="store_true",
        help="read again only the customers whose inputs changed since the last run, moving the "
        "others on from its stored state; a full run where one is needed (docs/scale.md)",
    )
    p.add_argument(
        "--range-size", type=int, metavar="N",
        help="customers per range with --distributed (default DAUR_SCORING_RANGE_SIZE)",
    )
    p.set_defaults(handler=cmd_score)

    p = sub.add_parser("fit", help="fit a BTYD or spend model on a CSV, without a database")
    p.add_argument("file", metavar="FILE", help="transaction log or customer summary CSV")
    p.add_argument("--model", choices=("bgnbd", "pareto", "mbgnbd", "ggamma"), default="bgnbd")
    p.add_argument("--time-unit", choices=("day", "week"), default="week")
    p.add_argument("--calibration-end", metavar="DATE")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_fit)

    p = sub.add_parser("kpi", help="print the KPIs of the life cycle")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day (ISO)")
    p.add_argument(
        "--to", dest="date_to", metavar="DATE", help="last day (ISO; default: the latest order's)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_kpi)

    p = sub.add_parser(
        "assign-leads", help="give an owner to the open leads without one (DAUR_LEAD_ASSIGNMENT)"
    )
    p.add_argument(
        "--mode", choices=("value", "round_robin", "rules"),
        help="override DAUR_LEAD_ASSIGNMENT for this run",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="print each lead's reason")
    p.set_defaults(handler=cmd_assign_leads)

    p = sub.add_parser("duplicates", help="write the suspected duplicate customers as CSV")
    p.add_argument("file", metavar="FILE", help="a path, or - for standard output")
    p.add_argument(
        "--threshold", type=float, default=0.5, help="the lowest score written (default 0.5)"
    )
    p.set_defaults(handler=cmd_duplicates)

    p = sub.add_parser("merge", help="merge customers (external ids) into the first one")
    p.add_argument("keep_id", nargs="?", metavar="KEEP_ID")
    p.add_argument("duplicate_ids", nargs="*", metavar="DUPLICATE_ID")
    p.add_argument("--undo", type=int, metavar="MERGE_ID", help="undo a recorded merge")
    p.add_argument(
        "--user",
        metavar="USERNAME",
        default="",
        help="the user recorded on the merge (or its undo); default: none, as the output says",
    )
    p.set_defaults(handler=cmd_merge)

    add_segment_parsers(sub)
    add_ops_parsers(sub)
    add_token_parsers(sub)

    add_process_parsers(sub)

    p = sub.add_parser("manage", help="run a Django management command (createsuperuser, ...)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
