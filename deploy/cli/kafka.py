"""``lienthong kafka``: real Apache Kafka brokers on this machine, without Docker (see ``deploy/kafka``).

Messages for people go to stderr; stdout carries only what scripts consume (the bootstrap address from ``up``,
the jar directory from ``fetch``, the report of ``status``, the log lines of ``logs``), so
``export KAFKA_BOOTSTRAP_SERVERS=$(lienthong kafka up)`` works.
"""

from __future__ import annotations

import contextlib
import sys

import click

from deploy.kafka import DEFAULT_VERSION, ClusterStatus, KafkaRuntimeError, LocalKafka, RuntimeSettings
from deploy.kafka.logfiles import follow

__all__ = ["kafka"]

_STOPPED_EXIT_CODE = 3


def _runtime() -> LocalKafka:
    try:
        return LocalKafka(RuntimeSettings(), progress=lambda line: click.echo(f"{line} ...", err=True))
    except ValueError as exc:  # a malformed LIENTHONG_* variable
        raise click.ClickException(f"invalid LIENTHONG_* environment setting: {exc}") from exc


def _fail(exc: KafkaRuntimeError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group(
    help=(
        "Run real Apache Kafka brokers locally (KRaft, loopback), without Docker.\n\n"
        "The jars come from Maven Central (`mvn` is needed once per version) and run on the local `java`. "
        "Settings: LIENTHONG_STATE_DIR (default ./.state), LIENTHONG_CACHE_DIR (default ~/.cache/lienthong), "
        f"LIENTHONG_KAFKA_VERSION (default {DEFAULT_VERSION})."
    )
)
def kafka() -> None:
    pass


@kafka.command()
@click.option(
    "--brokers",
    type=click.IntRange(min=1),
    default=None,
    help="Number of brokers (default 1; 3 for failover tests).",
)
@click.option(
    "--version",
    "version",
    default=None,
    help=(
        "Kafka release, e.g. 3.9.1 (default: the recorded cluster's, else LIENTHONG_KAFKA_VERSION, "
        f"else {DEFAULT_VERSION})."
    ),
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=90.0,
    show_default=True,
    help="Seconds to wait until the brokers answer.",
)
def up(brokers: int | None, version: str | None, timeout: float) -> None:
    """Start the brokers, or reuse the running ones; print the bootstrap address.

    The last line on stdout is exactly the bootstrap address, so
    `export KAFKA_BOOTSTRAP_SERVERS=$(lienthong kafka up)` works. Running it again reuses the brokers
    that run; a stopped cluster restarts with its data.
    """
    runtime = _runtime()
    try:
        status = runtime.up(brokers=brokers, version=version, timeout=timeout)
    except KafkaRuntimeError as exc:
        raise _fail(exc) from exc
    verb = "already running" if status.reused else "ready"
    pids = ", ".join(map(str, status.pids))
    click.echo(f"Kafka {status.version} {verb}: {len(status.nodes)} broker(s), pid(s) {pids}", err=True)
    click.echo(status.bootstrap)


@kafka.command()
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds to wait after SIGTERM before SIGKILL.",
)
@click.option("--purge", is_flag=True, help="Also delete the brokers' data, configs and logs.")
def down(timeout: float, purge: bool) -> None:
    """Stop the brokers (nothing to do when none run); their data stays unless --purge."""
    runtime = _runtime()
    try:
        stopped = runtime.down(timeout=timeout, purge=purge)
    except KafkaRuntimeError as exc:
        raise _fail(exc) from exc
    message = "Kafka stopped" if stopped else "Kafka was not running"
    click.echo(f"{message}{'; its data was deleted' if purge else ''}.", err=True)


@kafka.command()
def status() -> None:
    """Show whether the brokers run, their bootstrap address, pids, version and files.

    Exit code 0 when every broker runs, 3 otherwise (like `systemctl status`).
    """
    runtime = _runtime()
    try:
        report = runtime.status()
    except KafkaRuntimeError as exc:
        raise _fail(exc) from exc
    click.echo(_describe(report, runtime))
    if not report.running:
        sys.exit(_STOPPED_EXIT_CODE)


@kafka.command()
@click.option(
    "-n", "--lines", type=click.IntRange(min=0), default=50, show_default=True, help="How many lines."
)
@click.option("-f", "--follow", "follow_log", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--node", type=click.IntRange(min=1), default=1, show_default=True, help="Which broker's log.")
def logs(lines: int, follow_log: bool, node: int) -> None:
    """Print the end of a broker's log."""
    runtime = _runtime()
    path = runtime.log_file(node)
    if not path.exists():
        raise click.ClickException(
            f"no log at {path}: Kafka node {node} has never run in this state directory"
        )
    text = runtime.log_tail(lines, node)
    if text:
        click.echo(text)
    if follow_log:
        with contextlib.suppress(KeyboardInterrupt):
            follow(path, lambda chunk: click.echo(chunk, nl=False))


@kafka.command()
@click.option(
    "--version",
    "version",
    default=None,
    help=f"Kafka release (default: LIENTHONG_KAFKA_VERSION, else {DEFAULT_VERSION}).",
)
def fetch(version: str | None) -> None:
    """Resolve the broker's jars from Maven Central into the cache (once per version); print their dir."""
    runtime = _runtime()
    try:
        lib = runtime.fetch(version)
    except KafkaRuntimeError as exc:
        raise _fail(exc) from exc
    click.echo(lib)


def _describe(report: ClusterStatus, runtime: LocalKafka) -> str:
    running = sum(node.running for node in report.nodes)
    if report.running:
        state = "running"
    elif running:
        state = f"degraded ({running} of {len(report.nodes)} brokers running)"
    else:
        state = "stopped"
    rows = [
        ("state", state),
        ("bootstrap", report.bootstrap or "-"),
        ("version", report.version or "-"),
        ("brokers", str(len(report.nodes)) if report.nodes else "-"),
        ("pids", ", ".join(map(str, report.pids)) or "-"),
        ("state dir", str(runtime.settings.kafka_dir)),
        ("log", ", ".join(str(node.log_file) for node in report.nodes) or "-"),
    ]
    return "\n".join(f"{key + ':':<11}{value}" for key, value in rows)
