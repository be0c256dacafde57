"""B10/B11 over real HTTP: uvicorn (1 worker, uvloop + httptools, loopback) driven by wrk -c32."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import free_port  # noqa: E402,F401  (re-exported to the peer scripts)

BENCH = Path(__file__).resolve().parent
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


@dataclass
class WrkResult:
    rps: float
    p50_s: float
    p99_s: float
    requests: int
    errors: int


WRK_MISSING = "wrk is not installed: run `apt-get install -y wrk` as root (Debian/Ubuntu), then the bench again"


def wrk_available() -> bool:
    """wrk is on PATH, installed here with apt-get when it is missing and we are root; else a clear message."""
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk missing: apt-get install -y wrk ...", file=sys.stderr, flush=True)
        install = ["apt-get", "install", "-y", "wrk"]
        for command in (install, ["apt-get", "update"], install):  # the package lists may be missing
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if shutil.which("wrk"):
                return True
    print(WRK_MISSING, file=sys.stderr, flush=True)
    return False


@contextmanager
def serve(name: str, factory: str, env: dict, log_dir: Path | None = None, workers: int = 1):
    """A uvicorn process serving `servers:<factory>` until the block ends; its stderr goes to a log file
    (a pipe nobody reads fills up with tracebacks of clients that wrk drops at the end of a run, and
    the server then blocks on writing to it)."""
    port = free_port()
    log_dir = log_dir or BENCH / "out"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"server-{name.replace(' ', '_').replace('+', '_')}.log"
    cmd = [sys.executable, "-m", "uvicorn", f"servers:{factory}", "--factory", "--app-dir", str(BENCH),
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
           "--no-access-log", "--log-level", "warning"]
    log_file = open(log, "wb")
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log_file)
    server = Server(name, port, proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


def post(server: Server, body: bytes, token: str) -> bytes:
    req = urllib.request.Request(f"{server.url}/graphql", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read()


def script(out_dir: Path, name: str, body: bytes, token: str) -> Path:
    path = out_dir / f"wrk-{name}.lua"
    text = body.decode()
    assert "]==]" not in text
    path.write_text('wrk.method = "POST"\n'
                    f"wrk.body = [==[{text}]==]\n"
                    'wrk.headers["Content-Type"] = "application/json"\n'
                    f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    return path


def _seconds(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def settle(server, limit: float = 120.0) -> float:
    """Wait until the server answers a probe quickly: a run must not inherit the requests the previous
    run abandoned (the server still works through them after wrk hangs up). Returns seconds waited."""
    start = time.monotonic()
    url = server.url + getattr(server, "probe", "/healthz")
    while time.monotonic() - start < limit:
        t0 = time.monotonic()
        try:
            urllib.request.urlopen(url, timeout=limit).read()
        except urllib.error.HTTPError:
            pass  # any answer will do
        except OSError:
            pass
        if time.monotonic() - t0 < 0.05:
            break
        time.sleep(0.2)
    return time.monotonic() - start


def wrk(server: Server, lua: Path, seconds: float, connections: int = 32, threads: int = 1) -> WrkResult:
    """One bounded wrk run against the loopback server, once it is idle."""
    settle(server)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                          "--timeout", "30s", "-s", str(lua), f"{server.url}/graphql"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return WrkResult(rps, _seconds(*p50.groups()), _seconds(*p99.groups()), requests, errors)


def request_body(query: str, variables: dict) -> bytes:
    return orjson.dumps({"query": query, "variables": variables})
