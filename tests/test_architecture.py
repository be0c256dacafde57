"""Dependencies point one way: app -> schema (GraphQL) and rest (HTTP) -> resolvers (the API-neutral core) -> db,
rollups; neither API imports the other, and the core, db/ and rollups/ import no GraphQL or HTTP library.

Every import counts, read with `ast` without importing anything: module level, inside functions (lazy),
under `if TYPE_CHECKING:`, relative, and the strings given to `strawberry.lazy(...)`,
`importlib.import_module(...)` and `__import__(...)`. `outcome_graph.errors` and `outcome_graph.settings`
are leaves anyone may import; `auth` and `context` are app-level helpers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "outcome_graph"
LEAVES = ("outcome_graph.errors", "outcome_graph.settings")
TOP = ("outcome_graph.app", "outcome_graph.cli", "outcome_graph.supervisor", "outcome_graph.__main__")
IO_LIBRARIES = ("sqlalchemy", "strawberry", "graphql", "starlette", "uvicorn", "aiosqlite", "asyncpg", "alembic",
                "httpx")
API_LIBRARIES = ("strawberry", "graphql", "starlette", "uvicorn", "httpx")  # GraphQL and HTTP: the APIs' own
CORE = ("outcome_graph.resolvers", "outcome_graph.rollups", "outcome_graph.db")
APIS = {"outcome_graph.schema": "outcome_graph.rest", "outcome_graph.rest": "outcome_graph.schema"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted and absolute (may end in an attribute name)
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module} imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, module: str, path: Path, is_package: bool = False) -> list[Import]:
    """Every import a module makes, resolved to absolute dotted names."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{alias.name}" if alias.name != "*" else prefix for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("lazy", "import_module", "__import__"):
                targets = [node.args[0].value]
        found += [Import(module, t, path, node.lineno) for t in targets]
    return found


def package_imports() -> list[Import]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        result += imports_in(path.read_text(encoding="utf-8"), module_name(path), path, path.name == "__init__.py")
    return result


IMPORTS = package_imports()


def within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _internal(prefix: str) -> list[Import]:
    return [i for i in IMPORTS if within(i.module, [prefix]) and within(i.target, ["outcome_graph"])]


def _of(prefix: str, imports: list[Import] | None = None) -> list[Import]:
    return [i for i in (IMPORTS if imports is None else imports) if within(i.module, [prefix])]


def api_libraries_in_core(imports: list[Import]) -> list[Import]:
    return [i for core in CORE for i in _of(core, imports) if within(i.target, API_LIBRARIES)]


def apis_importing_each_other(imports: list[Import]) -> list[Import]:
    return [i for api, other in APIS.items() for i in _of(api, imports) if within(i.target, [other])]


def _fail_on(violations: list[Import], rule: str) -> None:
    assert not violations, f"{rule}:\n" + "\n".join(f"  {v}" for v in violations)


# --- the rules ----------------------------------------------------------------------------------------

def test_rollups_import_no_io_no_graphql_and_no_other_subpackage():
    allowed = ("outcome_graph.rollups", *LEAVES)
    _fail_on([i for i in _of("outcome_graph.rollups") if within(i.target, IO_LIBRARIES)]
             + [i for i in _internal("outcome_graph.rollups") if not within(i.target, allowed)],
             "rollups/ is the pure engine: no SQLAlchemy, no strawberry, no other outcome_graph subpackage")


def test_db_imports_nothing_above_it():
    allowed = ("outcome_graph.db", "outcome_graph.rollups", *LEAVES)
    _fail_on([i for i in _internal("outcome_graph.db") if not within(i.target, allowed)],
             "db/ never imports schema/resolvers/app/auth/context/jobs (only db, rollups, errors, settings)")


def test_resolvers_never_import_an_api_or_the_app():
    forbidden = ("outcome_graph.schema", "outcome_graph.rest", "outcome_graph.graphiql", "outcome_graph.body_limit",
                 "outcome_graph.response_cache", "outcome_graph.asgi_limits", "outcome_graph.websocket", *TOP)
    _fail_on([i for i in _internal("outcome_graph.resolvers") if within(i.target, forbidden)],
             "resolvers/ (the core) never import schema/, rest/ or the app: both APIs call it with "
             "resolvers/inputs.py's types and get plain rows and dataclasses back")


def test_the_core_imports_no_graphql_or_http_library():
    _fail_on(api_libraries_in_core(IMPORTS),
             "resolvers/, rollups/ and db/ import none of strawberry, graphql, starlette, uvicorn, httpx "
             "(the core's DataLoader is resolvers/dataloader.py)")


def test_neither_api_imports_the_other():
    _fail_on(apis_importing_each_other(IMPORTS),
             "schema/ (GraphQL) and rest/ (REST) are mappers over the core: neither imports the other")


def rest_bypassing_its_core(imports: list[Import]) -> list[Import]:
    """In rest/, only rest/core.py reaches the core (resolvers/, db/, rollups/): one visible seam."""
    return [i for i in _of("outcome_graph.rest", imports)
            if i.module != "outcome_graph.rest.core" and within(i.target, CORE)]


def test_only_rest_core_calls_the_core():
    _fail_on(rest_bypassing_its_core(IMPORTS),
             "rest/ reaches resolvers/ (and db/, rollups/) through rest/core.py only; the other rest/ modules parse "
             "Canvas's parameters and write Canvas's shapes")
    _fail_on([i for i in _of("outcome_graph.rest") if within(i.target, ["sqlalchemy"])], "rest/ runs no SQL")


def test_rest_names_no_calculation_method():
    """Method names come from the core (docs/rest-api.md): a method added there flows through REST unchanged."""
    from outcome_graph.rollups import METHODS

    named = [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
             for path in sorted((PACKAGE / "rest").rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and node.value in METHODS]
    assert not named, "rest/ lists calculation methods:\n" + "\n".join(named)


def test_schema_never_imports_app_or_cli_and_runs_no_sql():
    _fail_on([i for i in _internal("outcome_graph.schema") if within(i.target, TOP)]
             + [i for i in _of("outcome_graph.schema") if within(i.target, ["sqlalchemy"])],
             "schema/ never imports app or cli, and has no SQL (docs/architecture.md §1)")


def test_only_the_entry_points_import_app_and_cli():
    _fail_on([i for i in IMPORTS if within(i.target, TOP) and not within(i.module, TOP)],
             "only app, cli, supervisor and __main__ import app or cli")


def test_errors_and_settings_are_leaves():
    _fail_on([i for leaf in LEAVES for i in _internal(leaf) if not within(i.target, [leaf])],
             "errors and settings import no other outcome_graph module")


def test_subpackages_form_no_cycle():
    """Between units (subpackages and top-level modules) the import graph is acyclic."""
    def unit(name: str) -> str:
        return ".".join(name.split(".")[:2])

    units = {unit(module_name(p)) for p in PACKAGE.rglob("*.py")} - {"outcome_graph"}
    edges: dict[str, set[str]] = {}
    for i in IMPORTS:
        a, b = unit(i.module), unit(i.target)
        if a != b and a in units and b in units:
            edges.setdefault(a, set()).add(b)

    cycle: list[str] = []

    def visit(node: str, trail: list[str], done: set[str]) -> bool:
        if node in trail:
            cycle.extend(trail[trail.index(node):] + [node])
            return True
        if node in done:
            return False
        done.add(node)
        return any(visit(nxt, trail + [node], done) for nxt in sorted(edges.get(node, ())))

    done: set[str] = set()
    for start in sorted(units):
        if visit(start, [], done):
            break
    if cycle:
        examples = [str(i) for i in IMPORTS
                    if any(unit(i.module) == a and unit(i.target) == b for a, b in zip(cycle, cycle[1:]))]
        pytest.fail("import cycle between units: " + " -> ".join(cycle) + "\n  " + "\n  ".join(examples[:10]),
                    pytrace=False)


# --- the checker itself ---------------------------------------------------------------------------------

def test_the_scan_sees_the_whole_package():
    modules = {i.module for i in IMPORTS}
    for expected in ("outcome_graph.app", "outcome_graph.schema", "outcome_graph.resolvers.loaders",
                     "outcome_graph.db.batch", "outcome_graph.rollups.engine"):
        assert expected in modules, f"the scan missed {expected}"
    assert any(i.target.startswith("outcome_graph.schema.") for i in _of("outcome_graph.app"))


def test_the_scan_catches_every_form_of_import():
    source = '''
import sqlalchemy.orm
from typing import TYPE_CHECKING, Annotated
from . import sibling
from ..schema.course import Course
if TYPE_CHECKING:
    from outcome_graph.app import create_app
def later():
    from outcome_graph.resolvers import users
    importlib.import_module("outcome_graph.cli")
Ref = Annotated["Rollup", strawberry.lazy("outcome_graph.schema.rollup")]
'''
    path = PACKAGE / "db" / "example.py"
    targets = {i.target for i in imports_in(source, "outcome_graph.db.example", path)}
    assert {"sqlalchemy.orm", "outcome_graph.db.sibling", "outcome_graph.schema.course.Course",
            "outcome_graph.app.create_app", "outcome_graph.resolvers.users", "outcome_graph.cli",
            "outcome_graph.schema.rollup"} <= targets
    init = {i.target for i in imports_in("from .engine import rollup", "outcome_graph.rollups",
                                         PACKAGE / "rollups" / "__init__.py", is_package=True)}
    assert init == {"outcome_graph.rollups.engine.rollup"}


def test_the_api_rules_catch_what_they_forbid():
    """The rules hold for modules that may not exist yet (rest/): checked here on made-up sources."""
    def scan(source: str, module: str) -> list[Import]:
        return imports_in(source, module, PACKAGE / (module.replace(".", "/") + ".py"))

    core = scan("from strawberry.dataloader import DataLoader\nimport starlette.requests\nimport json",
                "outcome_graph.resolvers.example")
    assert [i.target for i in api_libraries_in_core(core)] == ["strawberry.dataloader.DataLoader",
                                                                 "starlette.requests"]
    assert len(api_libraries_in_core(scan("import httpx", "outcome_graph.db.example"))) == 1
    assert not api_libraries_in_core(scan("import httpx", "outcome_graph.schema.example"))
    rest = scan("from outcome_graph.schema.course import Course\nfrom outcome_graph.resolvers import inputs",
                "outcome_graph.rest.example")
    assert [i.target for i in apis_importing_each_other(rest)] == ["outcome_graph.schema.course.Course"]
    assert [i.target for i in rest_bypassing_its_core(rest)] == ["outcome_graph.resolvers.inputs"]
    assert not rest_bypassing_its_core(scan("from outcome_graph.resolvers import inputs", "outcome_graph.rest.core"))
    schema = scan("def later():\n    from ..rest import routes", "outcome_graph.schema.example")
    assert [i.target for i in apis_importing_each_other(schema)] == ["outcome_graph.rest.routes"]
