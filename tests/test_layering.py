"""The layering contract, checked over the import graph of govhub/ (every import, also those inside functions): a
module imports only its own layer or layers below it, so pages → state → domains → core → models stays true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "govhub"

LAYERS: list[tuple[str, ...]] = [  # top to bottom
    ("govhub.govhub", "govhub.cli"),
    ("govhub.pages", "govhub.components"),
    ("govhub.state", "govhub.realtime"),
    ("govhub.api", "govhub.jobs", "govhub.auth"),
    ("govhub.demo",),
    ("govhub.services",),
    ("govhub.services.core",),
    ("govhub.models", "govhub.db", "govhub.config", "govhub.i18n", "govhub.routes", "govhub.migrations",
     "govhub.data", "govhub",
     "govhub.realtime.reflex_adapter"),  # imports only Reflex: any layer needing its private parts may use it
]
NO_FRAMEWORK = ("govhub.services", "govhub.models", "govhub.demo")  # plain Python: no Reflex, no web framework
FRAMEWORKS = ("reflex", "reflex_base", "starlette")


def layer_of(module: str) -> int:
    """The index of the layer holding ``module`` (the longest matching prefix decides)."""
    best, index = -1, len(LAYERS) - 1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, index = len(name), i
    return index


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # ``from pkg import module``
    return found


def violations(graph: dict[str, set[str]], known: set[str]) -> list[str]:
    """Every edge that goes up a layer, and every framework import below the state layer."""
    out = []
    for importer, imported in sorted(graph.items()):
        for target in sorted(imported):
            if target.split(".")[0] in FRAMEWORKS and importer.startswith(NO_FRAMEWORK):
                out.append(f"{importer} imports {target}")
            elif target in known and layer_of(target) < layer_of(importer):
                out.append(f"{importer} (layer {layer_of(importer)}) imports {target} (layer {layer_of(target)})")
    return out


def test_no_module_imports_a_layer_above_it() -> None:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: imports_of(path) for name, path in modules.items()}
    assert violations(graph, set(modules)) == []


def test_the_contract_can_fail() -> None:
    graph = {"govhub.services.tasks.actions": {"govhub.state.tasks", "reflex"},
             "govhub.models.task": {"govhub.services.core.audit"},
             "govhub.state.tasks": {"govhub.services.tasks.actions"}}
    known = {*graph, "govhub.services.core.audit"}
    assert violations(graph, known) == [
        "govhub.models.task (layer 7) imports govhub.services.core.audit (layer 6)",
        "govhub.services.tasks.actions (layer 5) imports govhub.state.tasks (layer 2)",
        "govhub.services.tasks.actions imports reflex",
    ]


# --- the services' public face: writers are named do_*, each package says what it exports -------------------

SERVICES = PACKAGE / "services"
WRITES = {"add", "add_all", "delete", "merge", "flush", "commit"}  # session methods that write
DML = re.compile(r"(?<![.\w])_?(insert|update|delete)\(|\b(INSERT|UPDATE|DELETE) ")  # not dict.update(...)
# Public functions that write but are no action of their own: the pieces every do_* is built from. Each says why.
BUILDING_BLOCKS = {
    "govhub.services.core.audit.record": "the audit row every do_* appends",
    "govhub.services.core.notifications.notify": "the notification rows a do_* queues",
    "govhub.services.core.notifications.notify_many": "the same, many at once",
    "govhub.services.core.mail.enqueue_many": "the e-mails a do_* queues",
    "govhub.services.core.versioning.claim_version": "the version claim of every do_* that changes a row",
    "govhub.services.core.db_util.insert_ignore": "a dialect helper",
    "govhub.services.core.db_util.claim_keys": "a dialect helper (exactly-once keys)",
    "govhub.services.core.storage.store_in_transaction": "stores a file with the caller's transaction",
    "govhub.services.tasks.tally.shift": "moves the counters inside tasks.actions' one change path",
    "govhub.services.messaging.case_groups.open_for_tasks": "the case groups of do_create_tasks",
    "govhub.services.messaging.case_groups.ensure_for_task": "opens a missing case group on first access",
    "govhub.services.messaging.case_groups.add_members": "members of a group a do_* creates or changes",
    "govhub.services.documents.registers.next_number": "the number do_sign gives an issued document",
    "govhub.services.org.directory.refresh_search_text": "the search text of an entry a do_* changed",
}


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → the absolute services module or function it stands for."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("govhub.services"):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def table_classes() -> set[str]:
    """The names of GovHub's tables (``class X(SQLModel, table=True)``)."""
    return {node.name for path in (PACKAGE / "models").glob("*.py")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ClassDef) and any(k.arg == "table" for k in node.keywords)}


def _writes_itself(fn: ast.FunctionDef | ast.AsyncFunctionDef, tables: set[str]) -> bool:
    """Whether ``fn``'s own body writes: a session method that writes, an INSERT/UPDATE/DELETE it executes, a
    file it puts in or deletes from the store, or an attribute set on a row it was handed (a parameter whose
    annotation is a table)."""
    params = {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]
              if a.annotation is not None and set(re.findall(r"\w+", ast.unparse(a.annotation))) & tables}
    source = ast.unparse(fn)
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver, method = node.func.value, node.func.attr
            if isinstance(receiver, ast.Name) and receiver.id == "session" and (
                    method in WRITES or (method == "execute" and DML.search(source))):
                return True
            if isinstance(receiver, ast.Name) and receiver.id == "store" and method in ("put", "delete"):
                return True
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in params:
                        return True
    return False


def service_writers(files: dict[str, str], tables: set[str] | None = None) -> set[str]:
    """The functions (``module.name``) of the given services sources that write, directly or by calling another
    services function that does (an ``access_*`` helper that lazily joins or opens something excepted)."""
    tables = table_classes() if tables is None else tables
    direct: set[str] = set()
    calls: dict[str, set[str]] = {}
    for module, source in files.items():
        tree = ast.parse(source)
        imported = _imported_names(tree)
        local = {f.name for f in _functions(tree)}
        for fn in _functions(tree):
            name = f"{module}.{fn.name}"
            if _writes_itself(fn, tables):
                direct.add(name)
            called: set[str] = set()
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                if isinstance(f, ast.Name):
                    called.add(f"{module}.{f.id}" if f.id in local else imported.get(f.id, ""))
                elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in imported:
                    called.add(f"{imported[f.value.id]}.{f.attr}")
            calls[name] = {c for c in called if not c.rsplit(".", 1)[-1].startswith("access_")}
    writers = set(direct)
    while True:
        more = {name for name, called in calls.items() if name not in writers and called & writers}
        if not more:
            return writers
        writers |= more


def misnamed_writers(files: dict[str, str], tables: set[str] | None = None) -> list[str]:
    """Public writers that are neither do_* nor access_* (an access helper may open what it lazily needs) nor a
    listed building block."""
    return sorted(name for name in service_writers(files, tables)
                  if not name.rsplit(".", 1)[1].startswith(("_", "do_", "access_")) and name not in BUILDING_BLOCKS)


def _service_sources() -> dict[str, str]:
    return {module_name(p): p.read_text(encoding="utf-8") for p in SERVICES.rglob("*.py")}


def test_every_public_writer_in_services_is_named_do() -> None:
    assert misnamed_writers(_service_sources()) == []


def test_the_writer_check_can_fail() -> None:
    files = {
        "govhub.services.x.a": "def rename(session, row: Official, name):\n    row.name = name\n"
                               "def total(card: Card):\n    card.total = 1\n"
                               "def merged(session, a, b):\n    a.update(b)\n    return session.execute(select(T))\n"
                               "def purge(session):\n    session.execute(delete(T))\n"
                               "def _hidden(session):\n    session.add(1)\n"
                               "def wrapper(session):\n    _hidden(session)\n"
                               "def reads(session):\n    return session.get(T, 1)\n"
                               "def keep(session, data):\n    return store.put(data)\n",
        "govhub.services.x.b": "from govhub.services.x.a import purge\n"
                               "def indirect(session):\n    purge(session)\n"
                               "def do_fine(session):\n    purge(session)\n",
    }
    assert misnamed_writers(files, {"Official"}) == [
        "govhub.services.x.a.keep", "govhub.services.x.a.purge", "govhub.services.x.a.rename",
        "govhub.services.x.a.wrapper", "govhub.services.x.b.indirect"]
    assert set(BUILDING_BLOCKS) <= service_writers(_service_sources())  # the list names only writers


def test_every_services_package_exports_its_access_do_and_read_models() -> None:
    """Each package's ``__init__`` has an explicit ``__all__`` of names it defines; a domain's holds every public
    ``access_*`` and ``do_*`` of its modules, and otherwise only classes (read models and specs)."""
    import importlib

    for init in sorted(SERVICES.glob("*/__init__.py")):
        name = module_name(init)
        package = importlib.import_module(name)
        exported = getattr(package, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        assert list(exported) == sorted(set(exported)), f"{name}.__all__ is not sorted or repeats a name"
        for item in exported:
            assert hasattr(package, item), f"{name}.__all__ names {item}, which it does not define"
        if init.parent.name == "core":  # building blocks, not a domain
            continue
        for item in exported:
            value = getattr(package, item)
            assert isinstance(value, type) or item.startswith(("access_", "do_")), f"{name} exports {item}"
        for path in sorted(init.parent.glob("*.py")):
            for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
                if fn.name.startswith(("access_", "do_")):
                    assert fn.name in exported, f"{name}.__all__ lacks {fn.name} ({path.name})"


def test_each_services_module_imports_first() -> None:
    """Every services module can be the first one imported (the package exports make no import cycle)."""
    import subprocess
    import sys

    modules = sorted(module_name(p) for p in SERVICES.rglob("*.py"))
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    for loaded in [m for m in sys.modules if m.startswith('govhub.services')]:\n"
              "        del sys.modules[loaded]\n"
              "    importlib.import_module(name)\n")
    done = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, timeout=120,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr[-2000:]


def test_refusals_are_audited_and_downloads_described_in_one_place() -> None:
    """A refused request's audit row is written only by identity.auth.do_record_refusal, and a download's headers
    are built only by api/downloads.py."""
    refusal = re.compile(r"audit\.record\([^)]*refus", re.S)
    owners = {"refusal": "govhub/services/identity/auth.py", "disposition": "govhub/api/downloads.py"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE.parent))
        text = path.read_text(encoding="utf-8")
        if refusal.search(text) or ("filename*=" in text and where != owners["disposition"]):
            found.append(where)
    assert found == []


PRIVATE_REFLEX = re.compile(r"_token_manager|_rx_state_|FIELD_MARKER|_get_root_state|\._event_namespace\b"
                            r"|\._event_processor|\._tasks\b|reflex_base|EventContext|reflex\.utils|reflex\.istate|app_wraps"
                            r"|from reflex\.\S+ import _")


def test_only_the_adapter_touches_reflex_private_api() -> None:
    """Reflex's private names (tested in tests/test_reflex_adapter.py) appear in govhub/realtime/reflex_adapter.py
    alone."""
    found = [f"{path.relative_to(PACKAGE.parent)}: {match.group(0)}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "reflex_adapter.py"
             for match in PRIVATE_REFLEX.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_no_file_io_in_the_state_layer() -> None:
    """Files are checked and stored by the services (core/storage.py's FileStore), never by a state class."""
    io = re.compile(r"\bopen\(|write_bytes|read_bytes|write_text|read_text|\bPath\(|\.unlink\(|\.mkdir\(")
    found = [f"{path.relative_to(PACKAGE.parent)}: {match.group(0)}"
             for path in sorted((PACKAGE / "state").rglob("*.py"))
             for match in io.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


ROUTE_SEGMENTS = ("tasks", "documents", "directives", "messages", "directory", "oversight", "files", "admin",
                  "assign", "follow-up")


def hard_coded_links(source: str) -> list[str]:
    """String literals (also parts of f-strings) that spell one of GovHub's routes."""
    pattern = re.compile(rf"^/({'|'.join(map(re.escape, ROUTE_SEGMENTS))})(/|\?|$)")
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value)]


def test_every_link_comes_from_routes() -> None:
    """Pages, components, states and services build links with govhub/routes.py, never by hand."""
    found = [f"{path.relative_to(PACKAGE.parent)}: {value!r}"
             for folder in ("pages", "components", "state", "services")
             for path in sorted((PACKAGE / folder).rglob("*.py"))
             for value in hard_coded_links(path.read_text(encoding="utf-8"))]
    assert found == []
    assert sorted(hard_coded_links('x = "/tasks/" + i\ny = f"/messages/{c}"\nz = "/assign"\nw = "/tasksx"')) == [
        "/assign", "/messages/", "/tasks/"]


def test_colours_come_from_styles() -> None:
    """No colour outside govhub/styles.py: no ``rx.color`` call and no hex or rgb literal in the UI or states."""
    colour = re.compile(r"rx\.color\(|[\"']#[0-9a-fA-F]{3,8}\b|[\"']rgba?\(")
    found = [f"{path.relative_to(PACKAGE.parent)}: {match.group(0)}"
             for folder in ("pages", "components", "state", "realtime", "api")
             for path in sorted((PACKAGE / folder).rglob("*.py"))
             for match in colour.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
    assert colour.search('x = "#30A46C"') and colour.search("rx.color('gray', 3)") and not colour.search("# 12 tasks")
