"""Operator commands for events (French console output).

    python -m shared.events dead-letters list  --service billing
    python -m shared.events dead-letters retry --service billing [--id 3 --id 4]
    python -m shared.events dead-letters drop  --service billing (--id 3 | --all)
    python -m shared.events replay --service billing --since 2026-11-01T00:00:00+01:00 \\
        [--types intervention.cloturee piece.consommee]

Databases and broker come from the environment as for every process (`<SERVICE>_DATABASE_URL`
or `DATABASE_URL`, `BROKER_URL` or `REDIS_URL`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from shared.events.operations import (
    Source,
    broker_url_from_env,
    drop_dead_letters,
    event_queue_of,
    list_dead_letters,
    replay,
    retry_dead_letters,
    service_database_url,
    service_names,
)


def _since(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("indiquez le décalage horaire, ex. +01:00")
    return moment


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m shared.events")
    commands = root.add_subparsers(dest="command", required=True)
    dead = commands.add_parser("dead-letters", help="événements en échec d'un service")
    dead.add_argument("action", choices=["list", "retry", "drop"])
    dead.add_argument("--service", required=True, choices=service_names())
    dead.add_argument("--id", type=int, action="append", dest="ids")
    dead.add_argument("--all", action="store_true", help="drop: tous les événements en échec")
    dead.add_argument("--limit", type=int, default=100)
    again = commands.add_parser("replay", help="rejouer les événements liés à un service")
    again.add_argument("--service", required=True, choices=service_names())
    again.add_argument("--since", required=True, type=_since)
    again.add_argument("--types", nargs="+", help="types ou motifs (ex. intervention.*)")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    dsn = service_database_url(args.service)
    if args.command == "replay":
        sources = [Source(name, service_database_url(name)) for name in service_names()]
        queue = event_queue_of(args.service)
        count = replay(queue, sources, broker_url_from_env(), args.since, args.types)
        print(f"{count} événement(s) renvoyé(s) dans la file {queue.name}")
        return 0
    if args.action == "list":
        letters = list_dead_letters(dsn, args.service, args.limit)
        for letter in letters:
            print(
                f"#{letter.id}  {letter.type or '(message illisible)'}  "
                f"événement={letter.event_id or '-'}  tentatives={letter.attempts}  "
                f"dernier échec={letter.last_failed_at.isoformat()}\n    {letter.error[:300]}"
            )
        print(f"{len(letters)} événement(s) en échec pour {args.service}")
        return 0
    if args.action == "retry":
        queue = event_queue_of(args.service)
        count = retry_dead_letters(dsn, args.service, queue, broker_url_from_env(), args.ids)
        print(f"{count} événement(s) renvoyé(s) dans la file {queue.name}")
        return 0
    if not args.ids and not args.all:
        print("drop: précisez --id N (répétable) ou --all", file=sys.stderr)
        return 2
    count = drop_dead_letters(dsn, args.service, None if args.all else args.ids)
    print(f"{count} événement(s) en échec supprimé(s) pour {args.service}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
