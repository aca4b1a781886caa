"""`ecohost` command line: run the stack, migrate, mint dev tokens, export the schema,
handle dead letters, audit the archive's ledger and objects."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

from cli import archive, commands, dev, events, ledger, nats, unit_import
from cli.stack import SERVICES, StackConfig
from kit.logging import configure_logging
from kit.replay import UNRESOLVED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecohost", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    stack = sub.add_parser("dev", help="run NATS, the three services and the gateway locally")
    stack.add_argument("--data-dir", type=Path, default=StackConfig.data_dir)
    stack.add_argument("--port", type=int, default=StackConfig.gateway_port, help="gateway port")
    stack.add_argument("--nats-url", default=None, help="use this NATS instead of starting one")

    migrate = sub.add_parser("migrate", help="apply each service's migrations")
    migrate.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help="default: all of " + ", ".join(SERVICES),
    )

    token = sub.add_parser("token", help="print a development JWT (HS256)")
    token.add_argument("--user", required=True)
    token.add_argument("--role", action="append", required=True, help="repeat for several")
    token.add_argument(
        "--tenant", required=True, help="agency:<uuid>, unit:<uuid> or region:<code>"
    )
    token.add_argument("--clearance", type=int, default=None)
    token.add_argument("--ttl", type=int, default=None, help="seconds (default: settings)")

    export = sub.add_parser(
        "export-schema",
        help="write schema.graphql, the contract JSON Schemas and docs/configuration.md",
    )
    export.add_argument("--check", action="store_true", help="fail if the files are out of date")

    letters = sub.add_parser(
        "dead-letters",
        help="list events a consumer gave up on, or replay them once the cause is fixed",
    )
    letters.add_argument("service", choices=list(SERVICES))
    replay = letters.add_mutually_exclusive_group()
    replay.add_argument(
        "--replay", type=int, nargs="+", metavar="ID", help="replay these dead letters"
    )
    replay.add_argument("--replay-all", action="store_true", help="replay every dead letter")

    ledger.add_parser(sub)
    events.add_parser(sub)
    archive.add_parser(sub)
    unit_import.add_parser(sub)

    args = parser.parse_args(argv)
    # Commands print their results on stdout (JSON, proofs, tokens): logs go to stderr.
    configure_logging("ecohost", level="INFO", fmt="console")
    match args.command:
        case "dev":
            config = StackConfig(
                data_dir=args.data_dir,
                gateway_port=args.port,
                nats_url=args.nats_url,
                nats_port=nats.DEFAULT_PORT,
            )
            return dev.run(config)
        case "migrate":
            unknown = set(args.services) - set(SERVICES)
            if unknown:
                parser.error(f"unknown service(s): {', '.join(sorted(unknown))}")
            asyncio.run(commands.migrate(args.services or list(SERVICES)))
            return 0
        case "token":
            print(commands.token(args.user, args.role, args.tenant, args.clearance, args.ttl))
            return 0
        case "export-schema":
            return commands.export_schema(check=args.check)
        case "dead-letters" if args.replay or args.replay_all:
            done = asyncio.run(
                commands.replay_dead_letters(args.service, None if args.replay_all else args.replay)
            )
            print(json.dumps([asdict(r) for r in done], indent=2, ensure_ascii=False))
            # Non-zero while anything is left to look at: scripts can retry or alert.
            return 1 if any(r.result in UNRESOLVED for r in done) else 0
        case "dead-letters":
            rows = asyncio.run(commands.dead_letters(args.service))
            print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
            return 0
        case "ledger":
            return ledger.run(args)
        case "events":
            return events.run(args)
        case "archive":
            return archive.run(args)
        case "import":
            return unit_import.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
