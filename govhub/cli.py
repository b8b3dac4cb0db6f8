"""The ``govhub`` command: database, seeds, status and accounts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time

from sqlalchemy import func
from sqlmodel import select

from govhub.config import get_settings
from govhub.db import safe_url, session_scope
from govhub.models import Document, Official, Position, Unit


def _db_upgrade(_args: argparse.Namespace) -> int:
    from govhub.migrations import upgrade

    upgrade()
    print("database at head")
    return 0


def _seed_demo(_args: argparse.Namespace) -> int:
    from govhub.demo.city import DEMO_PASSWORD, seed_demo

    if get_settings().is_production:
        print("refused: the demo city is never seeded when GOVHUB_ENV=production", file=sys.stderr)
        return 2
    with session_scope() as session:
        report = seed_demo(session)
    if report.skipped:
        print("demo city already present: nothing changed")
    else:
        print(f"demo city seeded: {report.units} units, {report.officials} officials")
    print(f"demo sign-ins (password {DEMO_PASSWORD}): chutich, pct1, gd.taichinh, ct.saigon, cv.saigon, admin")
    return 0


def _seed_scale(args: argparse.Namespace) -> int:
    from govhub.demo.city import seed_scale

    if get_settings().is_production:
        print("refused: benchmark data is never seeded when GOVHUB_ENV=production", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with session_scope() as session:
        added = seed_scale(session, args.officials)
    print(f"added {added} officials in {time.perf_counter() - started:.1f} s")
    if args.tasks:
        from govhub.demo.tasks import seed_scale_tasks

        started = time.perf_counter()
        with session_scope() as session:
            added = seed_scale_tasks(session, args.tasks, progress=print)
        print(f"added {added} tasks in {time.perf_counter() - started:.1f} s")
        _analyze()
    return 0


def _analyze() -> None:
    """Fresh planner statistics after a bulk load (what autovacuum or a later ANALYZE would do)."""
    from sqlalchemy import text

    from govhub.db import get_engine

    engine = get_engine()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def status_counts() -> dict:
    """What ``govhub status`` reports."""
    from govhub.migrations import current_revision

    url = get_settings().database_url
    out: dict = {"database_url": safe_url(url), "revision": current_revision(url)}
    if out["revision"] is None:
        return out
    with session_scope() as session:
        by_kind = dict(session.exec(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
        out["units"] = by_kind
        out["officials"] = session.exec(select(func.count()).select_from(Official)).one()
        from govhub.models import Directive, Notification, Task
        from govhub.models.task import TASK_STATES

        by_state = dict(session.exec(select(Task.state, func.count()).group_by(Task.state)).all())
        out["tasks"] = {"total": sum(by_state.values()), **{s: by_state.get(s, 0) for s in TASK_STATES}}
        out["directives"] = session.exec(select(func.count()).select_from(Directive)).one()
        out["notifications"] = {
            "total": session.exec(select(func.count()).select_from(Notification)).one(),
            "unread": session.exec(select(func.count()).select_from(Notification)
                                   .where(Notification.read_at.is_(None))).one(),
        }
        out["documents"] = dict(session.exec(select(Document.state, func.count()).group_by(Document.state)).all())
    return out


def _status(args: argparse.Namespace) -> int:
    data = status_counts()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return 0


def _tally_rebuild(_args: argparse.Namespace) -> int:
    from govhub.services.tasks.tally import do_rebuild

    started = time.perf_counter()
    with session_scope() as session:
        cells = do_rebuild(session)
    print(f"oversight counters recomputed from the tasks: {cells} cells in {time.perf_counter() - started:.1f} s")
    return 0


def _user_create(args: argparse.Namespace) -> int:
    from govhub.services.identity.accounts import do_create_official

    password = args.password or getpass.getpass("password: ")
    with session_scope() as session:
        unit = session.exec(select(Unit).where(Unit.code == args.unit)).first()
        position = session.exec(select(Position).where(Position.code == args.position)).first()
        if unit is None or position is None:
            print("unknown unit code or position code", file=sys.stderr)
            return 2
        official = do_create_official(session, username=args.username, full_name=args.name, unit=unit,
                                      position=position, roles=args.roles, password=password, email=args.email)
    print(f"created {official.username} (id {official.id})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="govhub", description="GovHub administration")
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    seed = sub.add_parser("seed", help="demo and benchmark data").add_subparsers(dest="seed_command", required=True)
    seed.add_parser("demo", help="the demo city (idempotent)").set_defaults(func=_seed_demo)
    scale = seed.add_parser("scale", help="a city-scale data set for benchmarks")
    scale.add_argument("--officials", type=int, default=50_000, help="officials in all (default 50,000)")
    scale.add_argument("--tasks", type=int, default=0,
                       help="tasks in all, e.g. 2000000 (with their directives, history and notifications)")
    scale.set_defaults(func=_seed_scale)
    status = sub.add_parser("status", help="database and counts")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status)
    tally = sub.add_parser("tally", help="the oversight counters").add_subparsers(dest="tally_command", required=True)
    tally.add_parser("rebuild", help="recompute them from the tasks (after writing tasks outside the services)"
                     ).set_defaults(func=_tally_rebuild)
    user = sub.add_parser("user", help="accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="add an account")
    create.add_argument("username")
    create.add_argument("--name", required=True)
    create.add_argument("--unit", required=True, help="unit code, e.g. 26740 or S-STC")
    create.add_argument("--position", default="chuyen_vien", help="position code")
    create.add_argument("--roles", default="staff")
    create.add_argument("--email", default="")
    create.add_argument("--password", help="prompted for when absent")
    create.set_defaults(func=_user_create)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``govhub`` command."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
