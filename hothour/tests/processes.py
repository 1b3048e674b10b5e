"""Real processes for tests that start servers: free ports, waiting for them, and a group of child
processes that log to files and are all stopped at the end (used by the fault and production-shape
tests)."""

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(Exception):
            if check():
                return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Processes:
    """Our own child processes, each logging to a file; all stopped on exit, logs shown on failure."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.first_started: list[str] = []  # a restarted service keeps its place

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        if name not in self.first_started:
            self.first_started.append(name)
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(  # noqa: S603 - our own executables
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self, name: str) -> None:
        """kill -9: no shutdown handler runs, like a crash or the OOM killer."""
        process = self.running.pop(name)
        process.kill()
        process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        # Last started first: the servers before the Redis or PostgreSQL they use.
        for name in reversed(self.first_started):
            if name in self.running:
                self.stop(name)
        if exc_type is not None:
            for log in sorted(self.log_dir.glob("*.log")):
                sys.stderr.write(f"--- {log.name} (tail) ---\n{log.read_text(errors='replace')[-4000:]}\n")
