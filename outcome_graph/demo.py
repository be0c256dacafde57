"""The running demo's marker, a file beside its database: `serve --demo` run a second time (scripts/demo twice)
finds the running demo there instead of deleting the database under it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MARKER_SUFFIX = ".serving"


@dataclass(frozen=True)
class RunningDemo:
    pid: int
    url: str


def _marker(database: Path) -> Path:
    return database.with_name(database.name + MARKER_SUFFIX)


def running(database: Path) -> RunningDemo | None:
    """The demo serving this database, if its process lives and its port answers (a stale marker is ignored)."""
    try:
        data = json.loads(_marker(database).read_text())
        demo = RunningDemo(int(data["pid"]), str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return demo if _alive(demo.pid) and _listening(demo.url) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        pass
    return True


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def claimed(database: Path, url: str):
    """Marks the database as served at `url` by this process while the block runs."""
    marker = _marker(database)
    marker.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, KeyError):
            if json.loads(marker.read_text())["pid"] == os.getpid():
                marker.unlink()
