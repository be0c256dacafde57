"""The rollup engine stays pure: no I/O, no database, no GraphQL (docs/architecture.md §1, docs/conventions.md §2)."""

import ast
from pathlib import Path

import outcome_graph.rollups as rollups

FORBIDDEN = {"sqlalchemy", "strawberry", "aiosqlite", "asyncpg", "starlette", "httpx", "io", "os",
             "pathlib", "socket", "sqlite3", "asyncio", "logging", "outcome_graph"}


def test_rollups_import_only_the_standard_library_and_themselves():
    for path in Path(rollups.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_rollups_make_no_open_or_print_calls():
    for path in Path(rollups.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, f"{path.name}: {node.func.id}()"
