"""The demo's running pieces: each a real ``lienthong`` process on its own loopback port, its log in a file.

Every piece is started with ``python -c "from deploy.cli import main; main()" <args>`` — the same command an
operator types as ``lienthong <args>`` — and with its settings in ``LIENTHONG_*`` environment variables, so
what the demo runs is what a provincial data centre runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["Piece", "PieceError", "free_port"]

_ROOT = Path(__file__).resolve().parents[2]
_CLI = "from deploy.cli import main; main()"


class PieceError(RuntimeError):
    """A piece did not start, or stopped while it was needed; the message ends with its log's tail."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Piece:
    """One ``lienthong`` command as a child process."""

    name: str
    args: Sequence[str]
    log: Path
    env: Mapping[str, str] = field(default_factory=dict)
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Piece:
        environment = {**os.environ, **self.env}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _CLI, *self.args],
                cwd=_ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Return once the health URL answers 200 (or, without one, once the process has stayed up 2 s)."""
        deadline = time.monotonic() + timeout
        settle = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            self.check()
            if self.health_url is None:
                if time.monotonic() >= settle:
                    return
            else:
                try:
                    if httpx.get(self.health_url, timeout=2.0).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        raise PieceError(
            f"{self.name} was not ready within {timeout:.0f} s; its log ({self.log}):\n{_tail(self.log)}"
        )

    def check(self) -> None:
        """Raise if the process has ended."""
        if self.process is not None and self.process.poll() is not None:
            raise PieceError(
                f"{self.name} exited with status {self.process.returncode}; its log ({self.log}):\n"
                f"{_tail(self.log)}"
            )

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (each piece's graceful shutdown), SIGKILL if it has not ended in ``timeout`` seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
