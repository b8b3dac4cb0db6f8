"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import govhub
import govhub.models  # noqa: F401  (registers every table)
from govhub.db import make_engine
from govhub.migrations import alembic_config, current_revision, downgrade, script_location, upgrade
from tests.conftest import PG_URL
from tests.pgkit import create_database, drop_database
from tests.serverkit import NO_POSTGRES

# As govhub/alembic/env.py: indexes made by hand on one database kind only.
DIALECT_ONLY_INDEXES = {"ix_official_search_trgm"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database; for PostgreSQL one of its own, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not PG_URL:
        pytest.skip(NO_POSTGRES)
    url = create_database("govhub_mig")
    try:
        yield url
    finally:
        drop_database(url)


def schema_diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def has_trigram_index(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'official' AND indexname = 'ix_official_search_trgm'"
            )).scalar()
    finally:
        engine.dispose()
    return found is not None and "gin_trgm_ops" in found


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_env_py_leaves_out_the_same_indexes() -> None:
    """Our copy of the filter matches govhub/alembic/env.py (which cannot be imported outside Alembic)."""
    source = (script_location() / "env.py").read_text(encoding="utf-8")
    assert 'DIALECT_ONLY_INDEXES = {"ix_official_search_trgm"}' in source


def test_upgrade_matches_the_models(empty_url: str) -> None:
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head()
    assert schema_diff(empty_url) == []
    assert tables(empty_url) >= set(SQLModel.metadata.tables)


def test_an_empty_database_differs_from_the_models(empty_url: str) -> None:
    """The denial twin: the comparison does see a missing schema."""
    added = {d[1].name for d in schema_diff(empty_url) if d[0] == "add_table"}
    assert added == set(SQLModel.metadata.tables)


def test_downgrade_removes_everything_and_upgrade_works_again(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert tables(empty_url) <= {"alembic_version"}
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head()
    assert schema_diff(empty_url) == []


def test_trigram_index_only_on_postgresql(empty_url: str) -> None:
    upgrade(empty_url)
    if not empty_url.startswith("postgresql"):
        engine = make_engine(empty_url)
        try:
            names = {ix["name"] for ix in inspect(engine).get_indexes("official")}
        finally:
            engine.dispose()
        assert "ix_official_search_trgm" not in names and "ix_official_name_folded" in names
        return
    assert has_trigram_index(empty_url)
    downgrade(empty_url, "base")
    assert not has_trigram_index(empty_url)


def test_conversation_titles_already_there_are_folded(empty_url: str) -> None:
    """0007 folds the names of the conversations already there for the list's search; a direct conversation keeps
    none (it is found by the other person's name)."""
    from sqlmodel import Session, select

    from govhub import clock
    from govhub.models import Conversation, Official, Position, Unit

    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with Session(engine) as session:
            unit = Unit(code="T", kind="city", name="Thành phố")
            position = Position(code="P", title="Chuyên viên")
            session.add_all([unit, position])
            session.flush()
            author = Official(username="a", full_name="Nguyễn Văn A", unit_id=unit.id, position_id=position.id)
            session.add(author)
            session.flush()
            now = clock.now()
            session.add_all([Conversation(kind=kind, title=title, direct_key=key, created_by_id=author.id,
                                          created_at=now, last_message_at=now)
                             for kind, title, key in (("group", "Phòng chống ngập úng", None),
                                                      ("case", "Đề án ĐÔ THỊ thông minh", None),
                                                      ("direct", "", "1:2"))])
            session.commit()
        downgrade(empty_url, "0006_task_tally")
        upgrade(empty_url)
        with Session(engine) as session:
            folded = dict(session.exec(select(Conversation.kind, Conversation.title_folded)).all())
    finally:
        engine.dispose()
    assert folded == {"group": "phong chong ngap ung", "case": "de an do thi thong minh", "direct": ""}


def test_the_revisions_ship_inside_the_package() -> None:
    """`govhub db upgrade` finds its revisions beside the installed package, not in a source checkout."""
    location = script_location()
    assert location == Path(govhub.__file__).resolve().parent / "alembic"
    assert Path(alembic_config().get_main_option("script_location")) == location
    assert (location / "env.py").is_file() and len(list((location / "versions").glob("0*.py"))) >= 7


def test_revisions_import_nothing_from_govhub() -> None:
    """A revision carries its own SQL: a later change to GovHub's code cannot change what an old revision does."""
    import ast

    for path in sorted((script_location() / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "govhub" or n.startswith("govhub.") for n in names), f"{path.name} imports {names}"


def test_each_revision_commits_on_its_own(empty_url: str) -> None:
    """One transaction per revision (so a revision may run CREATE INDEX CONCURRENTLY outside one): an upgrade from
    nothing commits once per revision, not once in all (PostgreSQL's DDL is transactional; SQLite's is not)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    commits: list[int] = []

    def on_commit(_conn) -> None:  # noqa: ANN001
        commits.append(1)

    event.listen(Engine, "commit", on_commit)
    try:
        upgrade(empty_url)
    finally:
        event.remove(Engine, "commit", on_commit)
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    assert len(commits) >= len(revisions) > 1


def test_counters_of_tasks_already_there_match_a_rebuild(empty_url: str) -> None:
    """0006 counts the tasks already there with its own copy of the rule; it agrees with the live rebuild."""
    from sqlmodel import Session

    from govhub.demo.city import seed_demo
    from govhub.services.tasks.tally import do_rebuild

    upgrade(empty_url)
    engine = make_engine(empty_url)
    cols = "grain, source, deadline_key, period_start, outcome, lead_unit_id, assigner_unit_id, n"
    try:
        with Session(engine) as session:
            seed_demo(session)
            do_rebuild(session)
            session.commit()
        with engine.connect() as conn:
            expected = sorted(conn.execute(text(f"SELECT {cols} FROM task_tally")).all())
        assert len(expected) > 50
        with engine.connect() as conn:  # SQLite rebuilds tables to drop a column: keep its rows where they are
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            cfg = alembic_config(empty_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_documents")
            conn.commit()
        upgrade(empty_url)
        with engine.connect() as conn:
            assert sorted(conn.execute(text(f"SELECT {cols} FROM task_tally")).all()) == expected
    finally:
        engine.dispose()


def test_an_installed_wheel_migrates_from_its_own_files(tmp_path: Path) -> None:
    """Build the wheel (the map's boundaries and their notes inside), unpack it apart from the source tree and run
    `govhub db upgrade` from there: the revisions it applies are the ones inside the installed package."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path / "dist"), str(root)], check=True, capture_output=True, timeout=240)
    (wheel,) = (tmp_path / "dist").glob("govhub-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    assert (site / "govhub" / "alembic" / "script.py.mako").is_file()
    assert {"hcmc_wards.geojson", "NOTES.md"} <= {p.name for p in (site / "govhub" / "data").iterdir()}  # the map
    url = f"sqlite:///{tmp_path / 'installed.db'}"
    code = ("import govhub, govhub.migrations as m; from govhub.cli import main; main(['db', 'upgrade']); "
            "print(govhub.__file__); print(m.script_location())")
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(site), "GOVHUB_DATABASE_URL": url,
           "GOVHUB_ENV": "test", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "database at head" in out.stdout
    assert str(site / "govhub" / "alembic") in out.stdout and str(root) not in out.stdout
    assert current_revision(url) == head()
