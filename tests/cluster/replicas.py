"""Replica processes on one PostgreSQL database, for the cluster tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.deploy.servers import serve_env, stop, wait_healthy
from tests.runtime.server import REPO, free_port

LEASE_S = 3.0
RENEW_S = 1.0
"""Short run leases, so a dead owner's runs end within seconds (production: 15 s and 5 s)."""


class Replica:
    """One `tests.cluster.replica_main` process (`cryptodesk serve` with a paced engine)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_path = workdir / f"replica-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.cluster.replica_main", str(self.port)],
            cwd=workdir,
            env={**env, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/stream"

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_healthy(self) -> None:
        wait_healthy(self.http, self.proc, self.log_path)

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown code runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.alive:
            self.resume()  # a stopped process would not see SIGTERM
        stop(self.proc)
        self._log.close()


def replica_env(workdir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """One replica's environment: the shared database and data directory (the vault file of
    compose's shared volume), short leases, no network."""
    return serve_env(
        workdir / "data",
        database_url,
        CRYPTODESK_RUN_LEASE_S=str(LEASE_S),
        CRYPTODESK_RUN_LEASE_RENEW_S=str(RENEW_S),
        CRYPTODESK_VAULT_KEY_FILE=str(workdir / "master.key"),
        **extra,
    )


def start_replicas(count: int, workdir: Path, env: dict[str, str]) -> list[Replica]:
    replicas = [Replica(workdir, env) for _ in range(count)]
    try:
        for replica in replicas:
            replica.wait_healthy()
    except BaseException:
        for replica in replicas:
            replica.stop()
        raise
    return replicas
