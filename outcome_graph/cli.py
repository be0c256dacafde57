"""Command line (docs/architecture.md §6): serve · import · token · export-schema · worker."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from outcome_graph import demo
from outcome_graph.settings import Settings

DEMO_DATABASE = "outcome_graph_demo.db"
DEMO_TEACHER, DEMO_STUDENT = 1, 107
MAX_TOKEN_ID = 2**31 - 1  # api_tokens.id is a 32-bit INTEGER (db/models.py)


def _settings(args) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "database", None):
        settings = settings.with_(database_url=args.database)
    return settings


async def _engine(settings: Settings):
    from outcome_graph.db.engine import create_engine
    from outcome_graph.db.migrate import upgrade

    engine = create_engine(settings.database_url, busy_timeout_seconds=settings.busy_timeout_seconds)
    await upgrade(engine)
    return engine


def _database_error(error: BaseException) -> str:
    """One line naming a database failure in the driver's own first words (never a traceback)."""
    cause = getattr(error, "orig", None) or error.__cause__ or error
    text = (str(cause).strip() or type(cause).__name__).splitlines()[0]
    return f"database error: {text}"


def cmd_import(args) -> int:
    """Every failure is one line on stderr: 2 for a refused bundle, 1 for anything else."""
    from sqlalchemy.exc import SQLAlchemyError

    from outcome_graph.db.bundle import BundleError, load_bundle_file
    from outcome_graph.db.importer import import_bundle, progress_printer
    from outcome_graph.errors import DomainError

    settings = _settings(args)
    threading.excepthook = _quiet_closed_loop

    async def run():
        engine = None
        try:
            doc = load_bundle_file(args.bundle)
            engine = await _engine(settings)
            return await import_bundle(engine, doc, progress_printer(), job_delay=settings.job_delay_seconds,
                                       batch_size=settings.recalc_batch_size)
        finally:
            if engine is not None:
                await engine.dispose()

    try:
        report = asyncio.run(run())
    except BundleError as e:
        return _fail(str(e), 2)
    except DomainError as e:
        return _fail(e.message, 1)
    except (SQLAlchemyError, OSError) as e:
        return _fail(_database_error(e), 1)
    except Exception as e:  # a bug: still one line, with what to report
        return _fail(f"import failed: {type(e).__name__}: {e}", 1)
    print(f"imported course {report.course_id}: {report.results} results, {report.rollups} rollups "
          f"in {report.seconds:.1f} s", file=sys.stderr)
    return 0


def _quiet_closed_loop(args) -> None:
    """aiosqlite's worker thread may hand a failed connection's last answer to an event loop that asyncio.run has
    already closed: no failure of the command, and no traceback may follow its one-line error."""
    if isinstance(args.exc_value, RuntimeError) and str(args.exc_value) == "Event loop is closed":
        return
    threading.__excepthook__(args)


def _fail(message: str, status: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return status


def cmd_token(args) -> int:
    from outcome_graph.db.tokens import create_token
    from outcome_graph.errors import NotFound

    async def run() -> int:
        engine = await _engine(_settings(args))
        try:
            print(await create_token(engine, user_id=args.user, admin=args.admin))
        except NotFound as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        finally:
            await engine.dispose()
        return 0

    return asyncio.run(run())


def _when(moment) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # stored as naive UTC


def cmd_token_list(args) -> int:
    from outcome_graph.db.tokens import list_tokens

    async def run() -> list:
        engine = await _engine(_settings(args))
        try:
            return await list_tokens(engine)
        finally:
            await engine.dispose()

    rows = [("id", "user", "created", "expires", "revoked")]
    rows += [(str(r.id), r.holder, _when(r.created_at), _when(r.expires_at),
              _when(r.revoked_at)) for r in asyncio.run(run())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def cmd_token_revoke(args) -> int:
    from outcome_graph.db.tokens import revoke_token_id
    from outcome_graph.errors import NotFound

    if not (args.id.isascii() and args.id.isdigit()) or int(args.id) > MAX_TOKEN_ID:  # nothing else names a token
        print(f"error: no such token {args.id}", file=sys.stderr)
        return 2

    async def run() -> int:
        engine = await _engine(_settings(args))
        try:
            revoked = await revoke_token_id(engine, int(args.id))
        except NotFound as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        finally:
            await engine.dispose()
        print(f"revoked token {args.id} (since {_when(revoked)})")
        return 0

    return asyncio.run(run())


def cmd_export_schema(args) -> int:
    from outcome_graph.schema import export_sdl

    sys.stdout.write(export_sdl())
    return 0


async def _load_demo(settings: Settings) -> tuple[str, str]:
    """A fresh demo database with the shipped demo course; returns a teacher's and a student's token."""
    from outcome_graph.db.bundle import load_bundle_file
    from outcome_graph.db.importer import import_bundle

    engine = await _engine(settings)
    try:
        await import_bundle(engine, load_bundle_file(Path(__file__).parent / "db" / "demo_course.json"))
    finally:
        await engine.dispose()
    return await _demo_tokens(settings)


async def _demo_tokens(settings: Settings) -> tuple[str, str]:
    """New tokens of the demo's teacher and student (in a running demo's database too: only rows are added)."""
    from outcome_graph.db.tokens import create_token

    engine = await _engine(settings)
    try:
        return (await create_token(engine, user_id=DEMO_TEACHER),
                await create_token(engine, user_id=DEMO_STUDENT))
    finally:
        await engine.dispose()


def _print_tokens(teacher: str, student: str) -> None:
    print(f"  teacher token (Grace Hopper):  {teacher}\n"
          f"  student token (user {DEMO_STUDENT}):     {student}\n"
          f"  send one as the header  Authorization: Bearer <token>", flush=True)


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _workers(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, at least 1 (got {value!r})")
    return int(value)


def cmd_serve(args) -> int:
    import uvicorn

    from outcome_graph import supervisor
    from outcome_graph.app import create_app
    from outcome_graph.uvicorn_limits import uvicorn_options

    settings = _settings(args)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{shown}:{args.port}/graphql"
    marker = contextlib.nullcontext()
    if args.demo:
        if not args.database:
            settings = settings.with_(database_url=f"sqlite+aiosqlite:///{DEMO_DATABASE}")
            other = demo.running(Path(DEMO_DATABASE))
            if other is not None:  # never delete the database under a running demo: point at it instead
                print(f"A demo is already running at {other.url} (pid {other.pid}, database {DEMO_DATABASE}); "
                      f"left as it is. New tokens for it:", flush=True)
                _print_tokens(*asyncio.run(_demo_tokens(settings)))
                print("  (to run a second demo beside it: outcome-graph serve --demo --port OTHER "
                      "--database sqlite:///other.db)", flush=True)
                return 0
            for suffix in ("", "-wal", "-shm"):
                Path(DEMO_DATABASE + suffix).unlink(missing_ok=True)
            marker = demo.claimed(Path(DEMO_DATABASE), url)
        teacher, student = asyncio.run(_load_demo(settings))
        print(f"Outcome Graph demo: GraphiQL at {url}, the gradebook page at {url.removesuffix('/graphql')}/gradebook",
              flush=True)
        _print_tokens(teacher, student)
    # uvicorn catches SIGTERM, shuts down gracefully (requests in flight finish, then the app's lifespan stops
    # the job worker and the engine) and then raises the signal again for the handler it found installed, so
    # that handler decides how the process ends. The default one kills it (exit status -15 / 143), which a
    # supervisor reads as a crash: a requested, completed shutdown exits 0.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with marker:
            if args.workers > 1:
                supervisor.serve(settings, args.host, args.port, args.workers)
            else:
                uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                            **uvicorn_options(settings))
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _exit_on_sigterm(signum, frame) -> None:
    """SIGTERM outside uvicorn's own handler: before serving starts, or re-raised after its graceful shutdown."""
    raise SystemExit(0)


def cmd_worker(args) -> int:
    from outcome_graph.jobs.worker import run_worker

    return asyncio.run(run_worker(_settings(args), once=args.once))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="outcome-graph", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: $OUTCOME_GRAPH_DATABASE_URL, else sqlite file outcome_graph.db)"

    s = sub.add_parser("serve", help="run the GraphQL service")
    s.add_argument("--demo", action="store_true", help="load the demo course into a fresh SQLite database")
    s.add_argument("--database", help=db_help)
    s.add_argument("--host", default=os.environ.get("OUTCOME_GRAPH_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("OUTCOME_GRAPH_PORT", "8000")))
    s.add_argument("--workers", type=_workers, default=os.environ.get("OUTCOME_GRAPH_WORKERS", _cores()),
                   help="HTTP processes sharing the port, plus one job worker process when more than one "
                        "(default: $OUTCOME_GRAPH_WORKERS, else the machine's cores)")
    s.set_defaults(func=cmd_serve)

    i = sub.add_parser("import", help="import a course bundle (docs/bundle-format.md)")
    i.add_argument("bundle")
    i.add_argument("--database", help=db_help)
    i.set_defaults(func=cmd_import)

    t = sub.add_parser("token", help="manage API tokens")
    tsub = t.add_subparsers(dest="token_command", required=True)
    tc = tsub.add_parser("create", help="print a new bearer token")
    who = tc.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", type=int, help="user id the token acts as")
    who.add_argument("--admin", action="store_true", help="an admin token (sees every course)")
    tc.add_argument("--database", help=db_help)
    tc.set_defaults(func=cmd_token)
    tl = tsub.add_parser("list", help="every token's id, user (or admin), created, expires and revoked times")
    tl.add_argument("--database", help=db_help)
    tl.set_defaults(func=cmd_token_list)
    tr = tsub.add_parser("revoke", help="refuse a token from now on (by its id from `token list`)")
    tr.add_argument("id", help="the token's id")
    tr.add_argument("--database", help=db_help)
    tr.set_defaults(func=cmd_token_revoke)

    e = sub.add_parser("export-schema", help="print the SDL (= schema.graphql)")
    e.set_defaults(func=cmd_export_schema)

    w = sub.add_parser("worker", help="run rollup recalculation jobs")
    w.add_argument("--database", help=db_help)
    w.add_argument("--once", action="store_true", help="exit when no job is due")
    w.set_defaults(func=cmd_worker)
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
