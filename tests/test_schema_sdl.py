"""The schema is a committed artifact (docs/conventions.md §9): schema.graphql equals the code's SDL, the
service serves it, and breaking changes to it are declared (scripts/check_schema_breaking.py)."""

from __future__ import annotations

import difflib
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from outcome_graph.schema import export_sdl

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schema.graphql"
SCRIPT = ROOT / "scripts" / "check_schema_breaking.py"
REGENERATE = "outcome-graph export-schema > schema.graphql"


def _load_check():
    spec = importlib.util.spec_from_file_location("check_schema_breaking", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


check = _load_check()


def _committed() -> str:
    if not SCHEMA.exists():
        pytest.fail(f"schema.graphql is missing at the repo root; run: {REGENERATE}")
    return SCHEMA.read_text(encoding="utf-8")


# --- schema.graphql is the code's schema -----------------------------------------------------------

def test_schema_graphql_is_the_exported_schema():
    committed, current = _committed(), export_sdl()
    if committed == current:
        return
    try:
        changes = check.describe(committed, current)
    except check.SchemaError as e:
        changes = f"(cannot compare: {e})"
    text_diff = list(difflib.unified_diff(committed.splitlines(), current.splitlines(), "schema.graphql",
                                          "outcome-graph export-schema", lineterm="", n=1))
    shown = "\n".join(text_diff[:80]) + (f"\n... {len(text_diff) - 80} more diff lines" if len(text_diff) > 80 else "")
    pytest.fail(f"schema.graphql is out of date with the code.\n\nFrom the committed SDL to the code's:\n{changes}\n\n"
                f"{shown}\n\nRun: {REGENERATE}\n(and declare intended breaking changes in "
                f"schema-changes.allowed; see scripts/check_schema_breaking.py)", pytrace=False)


def test_schema_graphql_is_a_valid_plain_schema_with_the_design_keys():
    """Generic tools get a valid schema from it; docs/architecture.md §4's entities keep @key(fields: "id")."""
    sdl = _committed()
    schema = check.plain_schema(sdl)
    assert {"course", "outcome", "user", "viewer"} <= set(schema.query_type.fields)
    assert not {"_entities", "_service"} & set(schema.query_type.fields)
    keys = check.entity_keys(sdl)
    for entity in ("Course", "Outcome", "User"):
        assert ("id", True) in keys.get(entity, set()), f"{entity} must stay an entity with @key(fields: \"id\")"
    assert any(url.startswith("https://specs.apollo.dev/federation/v2.") for url in check.link_imports(sdl))


async def test_service_sdl_over_http_is_schema_graphql(api):
    """What a gateway composes (`_service { sdl }`) is the committed schema, modulo federation machinery."""
    response = await api.raw("{ _service { sdl } }")
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    served, committed = body["data"]["_service"]["sdl"], _committed()
    if check.plain_sdl(served) != check.plain_sdl(committed):
        pytest.fail(f"the served SDL is not schema.graphql; from schema.graphql to what is served:\n"
                    f"{check.describe(committed, served)}\nRun: {REGENERATE}", pytrace=False)
    assert check.entity_keys(served) == check.entity_keys(committed)
    assert check.link_imports(served) == check.link_imports(committed)


# --- breaking changes are declared ------------------------------------------------------------------

def test_no_undeclared_breaking_changes_in_this_checkout():
    run = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "SCHEMA_BASE_REF": os.environ.get("SCHEMA_BASE_REF", "")})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("schema check:"), run.stdout


V1 = '''schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"]) { query: Query }
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
  user(id: ID!): User
}
type User @key(fields: "id", resolvable: true) {
  id: ID!
  name: String!
  email: String
}
enum Role { STUDENT TEACHER }
scalar _Any
union _Entity = User
type _Service { sdl: String! }
'''
ADDED = V1.replace("  email: String\n", "  email: String\n  sortableName: String\n")
FIELD_REMOVED = V1.replace("  email: String\n", "")
DANGEROUS = ADDED.replace("STUDENT TEACHER", "STUDENT TEACHER TA")
KEY_REMOVED = V1.replace(' @key(fields: "id", resolvable: true)', "").replace("union _Entity = User\n", "")
REMOVED_LINE = "FIELD_REMOVED Field User.email was removed."


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A throwaway git repository holding schema.graphql; returns a commit(sdl) helper and paths."""
    for var, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                       "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1",
                       "GIT_CONFIG_GLOBAL": os.devnull}.items():
        monkeypatch.setenv(var, value)
    root = tmp_path / "repo"
    root.mkdir()
    if subprocess.run(["git", "init", "-q", "-b", "main", str(root)], capture_output=True).returncode:
        pytest.skip("git is not available")

    class Repo:
        path = root
        schema = root / "schema.graphql"
        allowed = root / "schema-changes.allowed"

        def commit(self, sdl: str, message: str = "change") -> None:
            self.schema.write_text(sdl)
            subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
            subprocess.run(["git", "-C", str(root), "commit", "-q", "--allow-empty", "-m", message], check=True)

        def check(self, base: str | None = None) -> tuple[int, str]:
            out = io.StringIO()
            return check.check(self.schema, self.allowed, base, out=out), out.getvalue()

    return Repo()


def test_committed_breaking_change_fails_with_the_line_to_declare(repo):
    repo.commit(V1)
    repo.commit(FIELD_REMOVED, "remove email")
    (repo.path / "other.txt").write_text("later work")
    repo.commit(FIELD_REMOVED, "a later commit not touching schema.graphql")
    code, out = repo.check()
    assert code == 1, out
    assert "the last commit touching schema.graphql" in out
    assert f"  {REMOVED_LINE}  # <why" in out


def test_declared_breaking_change_passes_and_needs_a_reason(repo):
    repo.commit(V1)
    repo.commit(FIELD_REMOVED)
    repo.allowed.write_text(f"{REMOVED_LINE}  # moved to the directory subgraph\n")
    code, out = repo.check()
    assert code == 0, out
    assert "declared" in out and "moved to the directory subgraph" in out
    repo.allowed.write_text(f"{REMOVED_LINE}\n")
    code, out = repo.check()
    assert code == 2 and "no reason" in out, out


def test_uncommitted_change_is_compared_with_head(repo):
    repo.commit(V1)
    repo.commit(ADDED)
    repo.schema.write_text(KEY_REMOVED)
    code, out = repo.check()
    assert code == 1, out
    assert "HEAD (uncommitted changes)" in out
    assert 'KEY_REMOVED User lost @key(fields: "id").' in out
    assert "FIELD_REMOVED Field User.sortableName was removed." in out


def test_additions_pass_and_dangerous_changes_are_reported(repo):
    repo.commit(V1)
    repo.commit(ADDED)
    assert repo.check()[0] == 0
    repo.schema.write_text(DANGEROUS)
    code, out = repo.check()
    assert code == 0 and "dangerous" in out and "Role.TA" in out, out


def test_base_ref_compares_with_the_merge_base(repo):
    repo.commit(V1)
    subprocess.run(["git", "-C", str(repo.path), "checkout", "-q", "-b", "feature"], check=True)
    repo.commit(FIELD_REMOVED)
    repo.commit(FIELD_REMOVED.replace("user(id", "me: User\n  user(id"))  # last commit is additive only
    assert repo.check()[0] == 0
    code, out = repo.check(base="main")
    assert code == 1 and REMOVED_LINE in out and "merge base" in out, out
    code, out = repo.check(base="no-such-branch")
    assert code == 2 and "merge base" in out, out


def test_no_history_is_not_a_failure(repo, tmp_path):
    repo.schema.write_text(V1)
    code, out = repo.check()
    assert code == 0 and "no commits yet" in out, out
    repo.commit(V1)
    code, out = repo.check()
    assert code == 0 and "first appears" in out, out
    repo.commit(FIELD_REMOVED)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)], check=True)
    out = io.StringIO()
    assert check.check(shallow / "schema.graphql", shallow / "x.allowed", None, out=out) == 0
    assert "shallow" in out.getvalue(), out.getvalue()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "schema.graphql").write_text(V1)
    out = io.StringIO()
    assert check.check(plain / "schema.graphql", plain / "x.allowed", None, out=out) == 0
    assert "not a git checkout" in out.getvalue()


def test_invalid_sdl_is_an_error_not_a_pass(tmp_path):
    new, old = tmp_path / "schema.graphql", tmp_path / "old.graphql"
    old.write_text(V1)
    new.write_text("type Query { user: Nope }")
    out = io.StringIO()
    assert check.check(new, tmp_path / "x.allowed", None, old_file=old, out=out) == 2
    assert "Nope" in out.getvalue()
