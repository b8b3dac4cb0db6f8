"""The ``govhub`` command: database, seeds, status and accounts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

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


def _grouped(session: Session, column: Any, keys: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows per value of ``column``: every one of ``keys`` (0 when none), then any other value found."""
    found = dict(session.exec(select(column, func.count()).group_by(column)).all())
    return {**dict.fromkeys(keys, 0), **{str(k): v for k, v in found.items()}}


def _counted(groups: dict[str, dict[str, int]], **extra: int) -> dict:
    """A total (from the first breakdown), the breakdowns and any other counts."""
    return {"total": sum(next(iter(groups.values())).values()), **groups, **extra}


def status_counts(today: date | None = None) -> dict:
    """What ``govhub status`` reports: the database, its revision and enough counts to see the city is alive
    (tasks by workflow state and by the Government Office's reporting status as of ``today``)."""
    from govhub.migrations import current_revision

    url = get_settings().database_url
    out: dict = {"database_url": safe_url(url), "revision": current_revision(url)}
    if out["revision"] is None:
        return out
    from govhub import clock
    from govhub.models import (
        Conversation,
        Directive,
        ExtensionRequest,
        Message,
        MessageAck,
        MessageAttachment,
        News,
        Notification,
        Task,
    )
    from govhub.models.documents import DOC_STATES
    from govhub.models.messages import CONVERSATION_KINDS, MESSAGE_KINDS
    from govhub.models.task import TASK_STATES
    from govhub.services.tasks.status import STATUSES, report_status_sql

    today = today or clock.today()
    with session_scope() as session:
        def count(model: Any, *where: Any) -> int:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        out["units"] = _grouped(session, Unit.kind)
        out["officials"] = count(Official)
        out["directives"] = _counted({"by_source": _grouped(session, Directive.source)})
        out["tasks"] = _counted({"by_state": _grouped(session, Task.state, TASK_STATES),
                                 "by_report_status": _grouped(session, report_status_sql(today),
                                                              (*STATUSES, "cancelled"))},
                                sub_tasks=count(Task, Task.parent_id.is_not(None)))
        out["extension_requests"] = _counted({"by_status": _grouped(session, ExtensionRequest.status)})
        out["documents"] = _counted({"by_state": _grouped(session, Document.state, DOC_STATES)})
        out["conversations"] = _counted({"by_kind": _grouped(session, Conversation.kind, CONVERSATION_KINDS)})
        out["messages"] = _counted({"by_kind": _grouped(session, Message.kind, MESSAGE_KINDS)},
                                   attachments=count(MessageAttachment), acknowledgements=count(MessageAck))
        out["news"] = {"total": count(News), "pinned": count(News, News.pinned_until >= today)}
        out["notifications"] = {"total": count(Notification), "unread": count(Notification,
                                                                              Notification.read_at.is_(None))}
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
