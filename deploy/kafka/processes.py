"""Broker processes: start them detached, tell whether one still runs, stop them politely then firmly.

A broker outlives the command that started it (its own session, output to a file, so a full pipe never blocks
it). Whether a recorded pid is still our broker is read from ``/proc`` (``ps`` elsewhere): the process must be
alive and not a zombie — orphans are not always reaped promptly — and its command line must name the node's
config file, so a pid reused by another program after a reboot is never mistaken for the broker. Processes
started by this very interpreter are also tracked as children, so they are reaped as soon as they exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["exit_code", "is_running", "kill", "launch", "resident_memory_kib", "run_to_completion", "stop"]

_children: dict[int, subprocess.Popen[bytes]] = {}
_POLL_SECONDS = 0.1


def launch(argv: Sequence[str], log_file: Path, cwd: Path) -> int:
    """Start ``argv`` in a new session with stdout and stderr appended to ``log_file``; return its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    _children[child.pid] = child
    return child.pid


def run_to_completion(commands: Sequence[tuple[Sequence[str], Path]], cwd: Path, timeout: float) -> list[int]:
    """Run short-lived commands side by side (output to their log files); return their exit codes in order."""
    pids = [launch(argv, log_file, cwd) for argv, log_file in commands]
    deadline = time.monotonic() + timeout
    codes: list[int] = []
    for pid in pids:
        child = _children.pop(pid)
        try:
            codes.append(child.wait(timeout=max(deadline - time.monotonic(), 0.1)))
        except subprocess.TimeoutExpired:
            child.kill()
            codes.append(child.wait())
    return codes


def is_running(pid: int, marker: str) -> bool:
    """Whether ``pid`` is alive, not a zombie, and its command line contains ``marker``."""
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    command_line = _command_line(pid)
    return command_line is not None and marker in command_line


def exit_code(pid: int) -> int | None:
    """The exit status of a process this interpreter started and that has exited, else ``None``."""
    child = _children.get(pid)
    return None if child is None else child.poll()


def stop(processes: Iterable[tuple[int, str]], timeout: float) -> None:
    """SIGTERM every running ``(pid, marker)``, wait up to ``timeout`` seconds, then SIGKILL what is left."""
    running = [(pid, marker) for pid, marker in processes if is_running(pid, marker)]
    _signal_all(running, signal.SIGTERM)
    running = _wait_for_exit(running, timeout)
    _signal_all(running, signal.SIGKILL)
    _wait_for_exit(running, 10.0)


def kill(pid: int, marker: str) -> None:
    """SIGKILL one process at once, as a crash would, and wait until it is gone."""
    running = [(pid, marker)] if is_running(pid, marker) else []
    _signal_all(running, signal.SIGKILL)
    _wait_for_exit(running, 10.0)


def resident_memory_kib(pid: int) -> int | None:
    """The resident set size (``VmRSS``) of ``pid`` in KiB, where ``/proc`` exists."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def _signal_all(processes: list[tuple[int, str]], signum: signal.Signals) -> None:
    for pid, _ in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _wait_for_exit(processes: list[tuple[int, str]], timeout: float) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout
    while True:
        processes = [(pid, marker) for pid, marker in processes if is_running(pid, marker)]
        if not processes or time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
    return processes


def _command_line(pid: int) -> str | None:
    if sys.platform.startswith("linux"):
        proc = Path(f"/proc/{pid}")
        try:
            state = (proc / "stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0]
            command_line = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            return None
        return None if state in {"Z", "X"} else command_line.replace(b"\0", b" ").decode(errors="replace")
    result = subprocess.run(
        ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    fields = result.stdout.strip().split(maxsplit=1)
    if result.returncode != 0 or len(fields) < 2 or fields[0].startswith("Z"):
        return None
    return fields[1]
