"""`scripts/demo` (= `outcome-graph serve --demo`) run while a demo is running: it must not delete the running
demo's database; it says where that demo is and prints tokens that demo accepts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "outcome_graph"]
VIEWER = "{ viewer { name } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token(text: str, role: str) -> str:
    return next(line for line in text.splitlines() if f"{role} token" in line).split()[-1]


def _viewer(port: int, token: str) -> dict:
    return httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": VIEWER},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10).json()


def _start_demo(cwd: Path, port: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*CLI, "serve", "--demo", "--port", str(port)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while not any("student token" in line for line in lines):
        assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
        lines.append(proc.stdout.readline())
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc, "".join(lines)
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "the demo did not come up"
            time.sleep(0.1)


def test_a_second_demo_points_at_the_running_one_and_leaves_its_database_alone(tmp_path):
    first_port, second_port = _free_port(), _free_port()
    first, banner = _start_demo(tmp_path, first_port)
    try:
        teacher = _token(banner, "teacher")
        assert _viewer(first_port, teacher) == {"data": {"viewer": {"name": "Grace Hopper"}}}
        again = subprocess.run([*CLI, "serve", "--demo", "--port", str(second_port)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"already running at http://127.0.0.1:{first_port}/graphql" in again.stdout
        # the first demo's database is intact: its old token still works, and the new ones work there too
        assert _viewer(first_port, teacher) == {"data": {"viewer": {"name": "Grace Hopper"}}}
        assert _viewer(first_port, _token(again.stdout, "teacher")) == {"data": {"viewer": {"name": "Grace Hopper"}}}
        assert _viewer(first_port, _token(again.stdout, "student"))["data"]["viewer"]["name"] == "Isabella Rossi"
        with socket.socket() as s:  # and nothing was started on the second port
            assert s.connect_ex(("127.0.0.1", second_port)) != 0
    finally:
        first.terminate()
        first.wait(timeout=30)
    # once the first demo has stopped, the next run starts a fresh one
    fresh, banner = _start_demo(tmp_path, second_port)
    try:
        assert _viewer(second_port, _token(banner, "teacher")) == {"data": {"viewer": {"name": "Grace Hopper"}}}
        assert "errors" in _viewer(second_port, teacher)  # a new database: the first demo's tokens are gone
    finally:
        fresh.terminate()
        fresh.wait(timeout=30)
