"""PostgreSQL for the benchmarks: a database URL given, or a throwaway cluster from Debian's package.

:func:`database` yields a URL whose ``search_path`` is a schema created for the run (dropped after it), so a
run never finds an earlier run's tables. Without a URL it starts a cluster from the newest
``/usr/lib/postgresql/<ver>/bin``: ``initdb`` into a temporary directory under /tmp, ``pg_ctl start`` on
127.0.0.1 and a free port (as the ``postgres`` OS user when run as root: the server refuses root), trust
authentication, durable defaults (fsync on), ``pg_ctl stop -m fast`` and the directory removed at the end.
When neither is possible it yields ``None`` and the reason, for the benchmark to print.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["database", "describe"]

_DEBIAN_POSTGRES = Path("/usr/lib/postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def describe(url: str) -> str:
    """The server's version and durability settings, for the header of the figures."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')"
        )
        version, fsync, synchronous_commit = row.fetchone() or ("?", "?", "?")
    return f"{version.split(' on ')[0]}, fsync={fsync}, synchronous_commit={synchronous_commit}"


class _ThrowawayCluster:
    """A cluster from Debian's package in a temporary directory: initdb, pg_ctl on a free port, removed."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="lienthong-bench-pg-", dir="/tmp"))
        self.port = _free_port()
        self._as_root = os.geteuid() == 0
        self._started = False

    def start(self) -> str:
        if self._as_root:  # the server refuses to run as root
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        data = str(self.root / "data")
        self._run(
            "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start")
        self._started = True
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE DATABASE lienthong_bench")
        return f"postgresql://postgres@127.0.0.1:{self.port}/lienthong_bench"

    def stop(self) -> None:
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._as_root:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 -- fixed programs, arguments built here
            command, cwd=self.root, capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)} failed: {(done.stderr or done.stdout).strip()[-500:]}")


@contextlib.contextmanager
def database(configured: str | None) -> Iterator[tuple[str | None, str]]:
    """A database URL for this run whose search_path is a schema of its own, or None and why."""
    bindir = None if configured else _debian_bindir()
    if not configured and bindir is None:
        yield (
            None,
            (
                f"no --postgres-url and no server under {_DEBIAN_POSTGRES} "
                "(apt-get install -y postgresql, or bash deploy/system-deps.sh)"
            ),
        )
        return
    cluster = _ThrowawayCluster(bindir) if bindir is not None else None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    schema = sql.Identifier(name)
    try:
        try:
            url = configured or (cluster.start() if cluster is not None else "")
            _execute(url, sql.SQL("CREATE SCHEMA {}").format(schema))
        except (RuntimeError, psycopg.Error, subprocess.TimeoutExpired) as exc:
            where = "--postgres-url" if configured else "the throwaway PostgreSQL cluster"
            yield None, f"{where} did not serve: {' '.join(str(exc).split())}"
            return
        separator = "&" if "?" in url else "?"
        try:
            yield f"{url}{separator}options=-c%20search_path%3D{name}", ""
        finally:
            _execute(url, sql.SQL("DROP SCHEMA {} CASCADE").format(schema))
    finally:
        if cluster is not None:
            cluster.stop()


def _debian_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<ver>/bin`` holding the server binary."""
    found = [p.parent for p in _DEBIAN_POSTGRES.glob("*/bin/postgres") if p.parent.parent.name.isdigit()]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def _execute(url: str, statement: sql.Composed) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)
