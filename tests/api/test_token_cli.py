"""`outcome-graph token list` and `token revoke ID` (docs/architecture.md §6), as an operator runs them beside
the service."""

from __future__ import annotations

from datetime import timedelta

from outcome_graph.db.tokens import create_token, hash_token
from tests.api.test_import_and_cli import run_cli
from tests.conftest import STUDENT, TEACHER

VIEWER = "{ course(id: \"1\") { name } }"
HEADER = ["id", "user", "created", "expires", "revoked"]


def token_list(database_url: str) -> list[dict[str, str]]:
    done = run_cli("token", "list", "--database", database_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    header, *rows = [line.split() for line in done.stdout.splitlines()]
    assert header == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows]


def row_of(rows: list[dict[str, str]], user: str) -> dict[str, str]:
    [row] = [r for r in rows if r["user"] == user]
    return row


async def test_token_list_shows_every_token_and_never_a_secret(api, database_url):
    expiring = await create_token(api.engine, user_id=STUDENT, expires_in=timedelta(days=30))
    done = run_cli("token", "list", "--database", database_url)
    for token in [*api.tokens.values(), expiring]:
        assert token not in done.stdout and hash_token(token) not in done.stdout
    rows = token_list(database_url)
    assert len(rows) == len(api.tokens) + 1 and [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    assert {r["user"] for r in rows} >= {str(TEACHER), "admin"}
    assert {(r["expires"], r["revoked"]) for r in rows if r is not rows[-1]} == {("-", "-")}
    latest = rows[-1]
    assert latest["user"] == str(STUDENT) and latest["revoked"] == "-"
    assert latest["expires"] > latest["created"] and latest["created"].endswith("Z")


async def test_a_token_revoked_on_the_command_line_is_refused_and_revoking_again_changes_nothing(api, database_url):
    await api.query(VIEWER, as_="teacher")
    teacher = row_of(token_list(database_url), str(TEACHER))
    done = run_cli("token", "revoke", teacher["id"], "--database", database_url)
    assert done.returncode == 0 and done.stderr == "" and done.stdout.startswith(f"revoked token {teacher['id']}")
    refused = await api.query(VIEWER, as_="teacher", errors=True)
    assert [(e["extensions"]["code"], e["message"]) for e in refused["errors"]] == [
        ("UNAUTHENTICATED", "Access token has been revoked.")]
    await api.query(VIEWER, as_="student")  # the others still work
    revoked = row_of(token_list(database_url), str(TEACHER))["revoked"]
    assert revoked != "-"
    again = run_cli("token", "revoke", teacher["id"], "--database", database_url)
    assert again.returncode == 0 and again.stderr == ""
    assert row_of(token_list(database_url), str(TEACHER))["revoked"] == revoked  # idempotent: the first time stays


async def test_revoking_an_unknown_token_id_is_one_clear_line_and_exit_2(api, database_url):
    before = token_list(database_url)
    for raw in ("999999", "-3", "99999999999999999999", "１"):
        done = run_cli("token", "revoke", raw, "--database", database_url)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: no such token"), done.stderr
    assert token_list(database_url) == before
