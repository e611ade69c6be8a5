"""The clinic's command line for its records (scripts/clinic.sh runs it).

    scripts/clinic.sh list [--since 2026-11-01] [--triage gait_analysis] [--limit 20]
    scripts/clinic.sh show SCREEN_ID [--json]
    scripts/clinic.sh export --format csv|json [--what screens|contacts] [--out FILE] [--since DATE]
    scripts/clinic.sh forget SENDER_ID | --email ADDRESS | --phone NUMBER  [--yes]
    scripts/clinic.sh purge [--days N] [--dry-run] [--yes]      (N: retention_days in clinic/clinic.yml)
    scripts/clinic.sh migrate [REVISION] | downgrade REVISION | current

The database is DATABASE_URL, or the SQLite default .rasa/screener.db. `forget` deletes the
runner's screens, contact requests and conversation everywhere; `purge` deletes everything
older than the retention period (run it daily, e.g. from cron).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, TextIO

import sqlalchemy as sa

from actions.records import schema, store
from core import database

SCREEN_CSV_COLUMNS = [
    "screen_id", "runner", "screened_at", "saved_at", "triage", "strong_recommendation", "red_flags",
    "findings", "rule_ids", "pain_areas", "self_checks", "kb_version", "contact_name", "contact_email",
    "contact_phone", "preferred_times", "contact_requested_at",
]
CONTACT_CSV_COLUMNS = [
    "contact_request_id", "runner", "screen_id", "requested_at", "name", "email", "phone", "preferred_times",
]


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: Optional[datetime]) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _ids(items: Iterable[Any], key: str = "id") -> List[str]:
    return [str(item.get(key)) if isinstance(item, dict) else str(item) for item in items or []]


def screen_csv_row(screen: Dict[str, Any]) -> Dict[str, str]:
    summary = screen["summary"] or {}
    contact = screen["contact_requests"][-1] if screen["contact_requests"] else {}
    items = (summary.get("red_flags") or []) + (summary.get("findings") or []) + (summary.get("strength") or [])
    checks = ((summary.get("self_checks") or {}).get("checks") or {})
    return {
        "screen_id": str(screen["screen_id"]),
        "runner": screen["sender_id"],
        "screened_at": _iso(screen["screened_at"]),
        "saved_at": _iso(screen["created_at"]),
        "triage": screen["triage"],
        "strong_recommendation": "yes" if screen["strong_recommendation"] else "no",
        "red_flags": " ".join(_ids(summary.get("red_flags"))),
        "findings": " ".join(_ids(summary.get("findings"))),
        "rule_ids": " ".join(_ids(items, "rule_id")),
        "pain_areas": " ".join((summary.get("answers") or {}).get("pain_areas") or []),
        "self_checks": "; ".join(f"{name}: {check.get('result')}" for name, check in checks.items()),
        "kb_version": str(screen["kb_version"] or ""),
        "contact_name": contact.get("name") or "",
        "contact_email": contact.get("email") or "",
        "contact_phone": contact.get("phone") or "",
        "preferred_times": contact.get("preferred_times") or "",
        "contact_requested_at": _iso(contact.get("created_at")),
    }


def contact_csv_row(contact: Dict[str, Any]) -> Dict[str, str]:
    return {
        "contact_request_id": str(contact["contact_request_id"]), "runner": contact["sender_id"],
        "screen_id": "" if contact["screen_id"] is None else str(contact["screen_id"]),
        "requested_at": _iso(contact["created_at"]), "name": contact["name"], "email": contact["email"] or "",
        "phone": contact["phone"] or "", "preferred_times": contact["preferred_times"],
    }


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection: a contact
# name "=HYPERLINK(...)"); a leading apostrophe makes it text, as OWASP advises.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = {"contact_phone", "phone"}  # "07700900123" must not lose its 0 as a number


def spreadsheet_safe(column: str, value: str) -> str:
    if value and (value.startswith(FORMULA_STARTS) or column in TEXT_COLUMNS):
        return "'" + value
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_export(out: TextIO, what: str, fmt: str, since: Optional[datetime], until: Optional[datetime]) -> int:
    if what == "screens":
        rows: List[Dict[str, Any]] = list(reversed(store.list_screens(since=since, until=until)))
        columns, to_csv = SCREEN_CSV_COLUMNS, screen_csv_row
    else:
        rows = list(reversed(store.list_contact_requests(since=since)))
        columns, to_csv = CONTACT_CSV_COLUMNS, contact_csv_row
    if fmt == "json":
        json.dump(rows, out, default=_json_default, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: spreadsheet_safe(column, cell) for column, cell in to_csv(row).items()})
    return len(rows)


def _print_table(rows: List[List[str]], headers: List[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def retention_days() -> Optional[int]:
    from core.clinic import load_clinic

    value = load_clinic().get("retention_days")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print(f"{question} Add --yes to confirm (no terminal to ask on).", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/clinic.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list stored screens, newest first")
    listing.add_argument("--since", type=_date)
    listing.add_argument("--until", type=_date)
    listing.add_argument("--triage")
    listing.add_argument("--runner", help="one runner's sender id")
    listing.add_argument("--limit", type=int, default=50)

    show = commands.add_parser("show", help="one screen: the clinician's summary and contact requests")
    show.add_argument("screen_id", type=int)
    show.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export screens or contact requests as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--what", choices=("screens", "contacts"), default="screens")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.add_argument("--since", type=_date)
    export.add_argument("--until", type=_date)

    forget = commands.add_parser("forget", help="delete one runner's data everywhere")
    forget.add_argument("sender_id", nargs="?")
    forget.add_argument("--email")
    forget.add_argument("--phone")
    forget.add_argument("--yes", action="store_true")

    purge = commands.add_parser("purge", help="delete everything older than the retention period")
    purge.add_argument("--days", type=int, help="default: retention_days in clinic/clinic.yml")
    purge.add_argument("--dry-run", action="store_true")
    purge.add_argument("--yes", action="store_true")

    migrate = commands.add_parser("migrate", help="create or upgrade the records tables")
    migrate.add_argument("revision", nargs="?", default="head")
    downgrade = commands.add_parser("downgrade", help="downgrade the records tables ('base' drops them)")
    downgrade.add_argument("revision")
    commands.add_parser("current", help="the schema revision of the database")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except store.RecordsError as error:
        print(f"clinic: {error}", file=sys.stderr)
        return 1
    except (sa.exc.OperationalError, sa.exc.InterfaceError, database.DatabaseUnavailable) as error:
        print(f"clinic: the database ({database.display_url(database.database_url())}) cannot be reached: "
              f"{getattr(error, 'orig', error).__class__.__name__}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "list":
        screens = store.list_screens(since=args.since, until=args.until, triage=args.triage,
                                     sender_id=args.runner, limit=args.limit)
        rows = [[str(s["screen_id"]), _iso(s["screened_at"]), s["triage"],
                 " ".join(_ids((s["summary"] or {}).get("findings"))) or "-",
                 "yes" if s["contact_requests"] else "no", s["sender_id"]] for s in screens]
        _print_table(rows, ["id", "screened at", "triage", "findings", "contact", "runner"])
        return 0
    if args.command == "show":
        screen = store.get_screen(args.screen_id)
        if screen is None:
            print(f"clinic: no screen {args.screen_id}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(screen, default=_json_default, indent=2, ensure_ascii=False))
            return 0
        from actions.screening import summary_markdown

        print(f"Screen {screen['screen_id']} - runner {screen['sender_id']} - saved {_iso(screen['created_at'])}\n")
        try:
            print(summary_markdown(screen["summary"]))
        except (KeyError, TypeError):  # an older or partial summary: show it as it is
            print(json.dumps(screen["summary"], indent=2, ensure_ascii=False))
        for contact in screen["contact_requests"]:
            print(f"## Contact request {contact['contact_request_id']} ({_iso(contact['created_at'])})\n")
            print(f"- Name: {contact['name']}\n- Email: {contact['email'] or '-'}\n"
                  f"- Phone: {contact['phone'] or '-'}\n- Preferred times: {contact['preferred_times'] or '-'}\n")
        return 0
    if args.command == "export":
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            with args.out.open("w", encoding="utf-8", newline="") as out:
                count = write_export(out, args.what, args.format, args.since, args.until)
            print(f"clinic: exported {count} {args.what} to {args.out}", file=sys.stderr)
        else:
            buffer = io.StringIO(newline="")
            write_export(buffer, args.what, args.format, args.since, args.until)
            sys.stdout.write(buffer.getvalue())
        return 0
    if args.command == "forget":
        senders = [args.sender_id] if args.sender_id else []
        if args.email or args.phone:
            senders += store.senders_with_contact(email=args.email, phone=args.phone)
        senders = list(dict.fromkeys(s for s in senders if s))
        if not senders:
            print("clinic: nobody found (give a sender id, --email or --phone)", file=sys.stderr)
            return 1
        if not _confirm(f"Delete everything stored about {len(senders)} runner(s): {', '.join(senders)}?", args.yes):
            return 1
        for sender in senders:
            counts = store.forget_runner(sender)
            print(f"forgot {sender}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        return 0
    if args.command == "purge":
        days = args.days or retention_days()
        if not days:
            print("clinic: set retention_days in clinic/clinic.yml (or give --days)", file=sys.stderr)
            return 1
        counts = store.purge(days, dry_run=True)
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        if args.dry_run:
            print(f"would delete (older than {days} days): {summary}")
            return 0
        if not _confirm(f"Delete {summary} (older than {days} days)?", args.yes):
            return 1
        counts = store.purge(days)
        print(f"deleted (older than {days} days): " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        return 0
    if args.command == "migrate":
        schema.upgrade(revision=args.revision)
        print(f"records schema at {schema.current()}")
        return 0
    if args.command == "downgrade":
        schema.downgrade(revision=args.revision)
        print(f"records schema at {schema.current() or 'base (no records tables)'}")
        return 0
    if args.command == "current":
        print(schema.current() or "base (no records tables)")
        return 0
    return 2
