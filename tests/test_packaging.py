"""Honest dependencies and a clean tree: every distribution GovHub's code imports is declared in pyproject.toml (the
tests' and benchmarks' in its dev extras), the lock files pin every one of them with hashes, and what Reflex writes
into the tree at every start (.gitignore, reflex.lock/package.json) is already what is committed."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
DEV = [Requirement(r) for r in PROJECT["optional-dependencies"]["dev"]]
# The project's own modules (benchmark scripts import each other by name).
LOCAL = {"govhub", "tests", "bench", "rxconfig"} | {p.stem for p in (ROOT / "bench").glob("*.py")}


def imported_modules(source: str) -> set[str]:
    """The top-level modules a piece of Python imports (absolute imports only)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def undeclared(files: list[Path], declared: list[Requirement]) -> dict[str, str]:
    """Module → why, for each third-party module imported by ``files`` whose distribution is not declared."""
    names = {canonicalize_name(r.name) for r in declared}
    owners = packages_distributions()
    out = {}
    for path in files:
        for module in imported_modules(path.read_text(encoding="utf-8")):
            if module in sys.stdlib_module_names or module in LOCAL or module == "__future__":
                continue
            dists = {canonicalize_name(d) for d in owners.get(module, [])}
            if not dists:
                out[module] = f"imported by {path.relative_to(ROOT)}, installed by no distribution"
            elif not dists & names:
                out[module] = f"imported by {path.relative_to(ROOT)}, from {sorted(dists)}, not declared"
    return out


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py") if "node_modules" not in p.parts]


def test_every_distribution_govhub_imports_is_a_dependency() -> None:
    assert undeclared([*python_files("govhub"), ROOT / "rxconfig.py"], RUNTIME) == {}


def test_every_distribution_the_tests_and_benchmarks_import_is_declared() -> None:
    assert undeclared(python_files("tests", "bench"), RUNTIME + DEV) == {}


def test_the_scan_sees_an_undeclared_import(tmp_path: Path) -> None:
    """The denial twin: a module importing something installed but not declared is reported."""
    probe = ROOT / "tests" / f"_probe_{tmp_path.name}.py"
    probe.write_text("import pytest\nfrom sqlalchemy import text\nimport os\n", encoding="utf-8")
    try:
        found = undeclared([probe], [r for r in RUNTIME if canonicalize_name(r.name) != "sqlalchemy"])
    finally:
        probe.unlink()
    assert set(found) == {"pytest", "sqlalchemy"}


def pins(lock: Path) -> dict[str, str]:
    """Name → version of every requirement in a lock file, each of which must carry hashes."""
    lines = lock.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    entries = [re.match(r"([A-Za-z0-9._-]+)==(\S+)", line) for line in lines if line and line[0].isalnum()]
    assert entries and all(entries), lock
    unhashed = [line.split("==")[0] for line in lines if line and line[0].isalnum() and "--hash=sha256:" not in line]
    assert unhashed == [], f"{lock.name}: no hashes for {unhashed}"
    return {canonicalize_name(m[1]): m[2] for m in entries}


@pytest.mark.parametrize(("lock", "wanted"), [("requirements.lock", RUNTIME), ("requirements-dev.lock", RUNTIME + DEV)])
def test_the_lock_files_pin_every_dependency_with_hashes(lock: str, wanted: list[Requirement]) -> None:
    """What `make run` (requirements.lock) and `make test` (requirements-dev.lock) install: regenerate them (README)
    after changing the dependencies."""
    pinned = pins(ROOT / lock)
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), f"{lock}: {name}=={pinned[name]}"


def test_what_reflex_writes_at_start_is_committed() -> None:
    """`reflex run` adds its entries to .gitignore when missing and writes reflex.lock/package.json as compact
    JSON: the committed files are already so, and a start leaves the tree clean."""
    from reflex.constants import GitIgnore

    lines = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]
    assert set(GitIgnore.DEFAULTS) <= set(lines)
    package = (ROOT / "reflex.lock" / "package.json").read_text(encoding="utf-8")
    assert package == json.dumps(json.loads(package))
