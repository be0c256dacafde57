"""`serve --workers N`: N uvicorn processes sharing one listening socket, plus the deployment's one job worker.

uvicorn's own supervisor (its `Multiprocess`) starts the HTTP processes, restarts one that dies or stops
answering its health check, and on SIGTERM or SIGINT lets each finish the requests in flight before it
exits. This subclass adds one `outcome-graph worker` process beside them (when settings.run_worker), kept
alive the same way and stopped after them; the HTTP processes run without a worker of their own. Every
child dies with the supervisor, so a killed supervisor leaves nothing serving behind it.

Nothing a request needs lives in one process (docs/deployment.md): tokens, jobs and rollups are rows, and
the response cache is keyed by the data version each request reads from the database.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from outcome_graph.settings import Settings
from outcome_graph.uvicorn_limits import uvicorn_options

log = logging.getLogger("uvicorn.error")
APP_FACTORY = "outcome_graph.supervisor:worker_app"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux: this process gets SIGTERM when the process that started it ends, even by SIGKILL."""
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a killed supervisor leaves its children running
        return
    if os.getppid() != parent:  # the parent ended before the call above took effect
        os.kill(os.getpid(), signal.SIGTERM)


def worker_app():
    """The app of one HTTP process: settings from the environment the supervisor set (serve())."""
    from outcome_graph.app import create_app

    die_with_parent()
    return create_app(Settings.from_env().with_(run_worker=False))


def run_job_worker(settings: Settings) -> None:
    """The job worker process: `outcome-graph worker` with the supervisor's settings."""
    from outcome_graph.jobs.worker import run_worker

    die_with_parent()
    asyncio.run(run_worker(settings))


class Supervisor(Multiprocess):
    """uvicorn's supervisor of the HTTP processes, which also keeps the one job worker running."""

    def __init__(self, config: uvicorn.Config, sockets, settings: Settings):
        super().__init__(config, sockets)
        self.settings = settings
        self.job_worker: multiprocessing.Process | None = None

    def start_job_worker(self) -> None:
        if self.settings.run_worker:
            self.job_worker = multiprocessing.get_context("spawn").Process(
                target=run_job_worker, args=(self.settings,), name="outcome-graph-job-worker")
            self.job_worker.start()
            log.info("Started job worker process [%s]", self.job_worker.pid)

    def init_processes(self) -> None:
        super().init_processes()
        self.start_job_worker()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        if self.job_worker is not None and not self.job_worker.is_alive() and not self.should_exit.is_set():
            log.warning("Job worker process [%s] died (exit code %s); starting another", self.job_worker.pid,
                        self.job_worker.exitcode)
            self.start_job_worker()

    def terminate_all(self) -> None:
        super().terminate_all()
        if self.job_worker is not None and self.job_worker.is_alive():
            self.job_worker.terminate()  # SIGTERM: it finishes or gives back its job, then exits

    def join_all(self) -> None:
        super().join_all()
        if self.job_worker is not None:
            self.job_worker.join()


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Runs the supervisor until SIGTERM/SIGINT. The HTTP processes read their settings from the environment,
    so the supervisor's own (the command line's --database included) are written there first."""
    os.environ["OUTCOME_GRAPH_DATABASE_URL"] = settings.database_url
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_level="info",
                            **uvicorn_options(settings, by_name=True))
    sock = config.bind_socket()
    try:
        Supervisor(config, [sock], settings).run()
    finally:
        sock.close()
