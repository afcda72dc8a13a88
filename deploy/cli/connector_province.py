"""``lienthong connector province``: the province connector's HTTP ingest, its backfill import, and the
delivery of routed submissions to the province system's webhook.

Settings come from ``LIENTHONG_PROVINCE_*`` variables (and ``KAFKA_BOOTSTRAP_SERVERS``, see
``connectors/province/settings.py``); options win over them. The webhook secret is read from
``LIENTHONG_PROVINCE_WEBHOOK_SECRET`` only (an option would show it in the process list). Logs go to stderr;
``backfill`` prints its summary line on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import structlog
import uvicorn
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from connectors.errors import BackfillInputError, PublishError
from connectors.province import (
    Backfill,
    BackfillReport,
    ProvinceSettings,
    SubmissionDelivery,
    create_app,
    publisher_factory,
)
from connectors.province.backfill import Progress as ProgressCallback
from connectors.province.records import Format
from connectors.province.sink import stop_within
from deploy.logging import configure_logging
from deploy.topology import ensure_topics, topic_names

__all__ = ["province"]

_LOG_LEVELS = click.Choice(["debug", "info", "warning", "error"])


def _settings(**overrides: Any) -> ProvinceSettings:
    try:
        return ProvinceSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid province connector settings: {exc}") from exc


async def _create_topics(settings: ProvinceSettings) -> None:
    """The contract topics under the prefix (brokers do not auto-create); PublishError when Kafka is away."""
    try:
        await ensure_topics(settings.kafka_bootstrap_servers, topic_names(settings.topic_prefix))
    except (KafkaError, OSError, RuntimeError) as exc:
        raise PublishError(f"cannot create the contract topics: {type(exc).__name__}: {exc}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def province() -> None:
    """Provincial one-stop systems: dossier events in (HTTP ingest, backfill), routed submissions out."""


@province.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port to listen on (default 8781).")
@click.option("--topic-prefix", default=None, help="Prefix of the contract topics (default none).")
@click.option("--log-level", type=_LOG_LEVELS, default="info", show_default=True)
def serve(*, host: str | None, port: int | None, topic_prefix: str | None, log_level: str) -> None:
    """Serve the HTTP ingest: POST /v1/events (CloudEvents structured mode), GET /healthz, GET /readyz.

    Events are answered 202 only once Kafka acknowledged them. It starts whether Kafka answers or not,
    creates the contract topics when it reaches Kafka, and is ready (/readyz) from then on.
    """
    settings = _settings(host=host, port=port, topic_prefix=topic_prefix)
    configure_logging(level=log_level)
    structlog.get_logger("province").info("starting", settings=settings.masked())

    async def prepare() -> None:
        await _create_topics(settings)

    config = uvicorn.Config(
        create_app(settings, prepare=prepare),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        log_config=None,  # uvicorn's records go through the handler configure_logging installed
        access_log=False,  # the ingest logs one canonical line per request itself
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    uvicorn.Server(config).run()


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[Path, Any] = {}

        def advance(path: Path, done: int, total: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(path.name, total=total)
            bar.update(tasks[path], completed=done)

        yield advance


async def _backfill(
    settings: ProvinceSettings,
    files: list[Path],
    backfill_options: dict[str, Any],
    run_options: dict[str, Any],
) -> BackfillReport:
    await _create_topics(settings)
    publisher = publisher_factory(settings, client_id="lienthong-province-backfill")()
    total = BackfillReport()
    try:
        await publisher.start()
        backfill = Backfill(
            publisher,
            default_source=settings.source,
            publish_timeout_seconds=settings.publish_timeout_seconds,
            **backfill_options,
        )
        for path in files:
            report = await backfill.run(path, **run_options)
            click.echo(f"{path}: {report.summary()}", err=True)
            total += report
            if not report.complete:
                break
    finally:
        await stop_within(publisher, settings.publish_timeout_seconds)
    return total


@province.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default=None,
    help="Input format (default: csv for *.csv, else jsonl).",
)
@click.option(
    "--batch", type=click.IntRange(1, 100_000), default=500, show_default=True, help="Events per batch."
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Checkpoint file (default FILE.checkpoint.json; only with one FILE).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where refused lines are reported (default FILE.rejects.jsonl; only with one FILE).",
)
@click.option("--source", default=None, help="Source of CSV rows without one (default: the connector's).")
@click.option("--topic-prefix", default=None, help="Prefix of the contract topics (default none).")
@click.option("--restart", is_flag=True, help="Ignore the checkpoint and start from the first line.")
@click.option("--max-batches", type=click.IntRange(min=0), default=None, hidden=True)
@click.option("--log-level", type=_LOG_LEVELS, default="warning", show_default=True)
def backfill(
    *,
    files: tuple[Path, ...],
    fmt: Format | None,
    batch: int,
    checkpoint: Path | None,
    rejects: Path | None,
    source: str | None,
    topic_prefix: str | None,
    restart: bool,
    max_batches: int | None,
    log_level: str,
) -> None:
    """Publish dossier events from JSON Lines (one structured CloudEvent per line) or CSV files.

    Resumable: after each batch Kafka acknowledged, FILE.checkpoint.json records how far it got, and a
    re-run continues from there. Invalid lines never stop the run: they go to FILE.rejects.jsonl with
    their line number and reason. The CSV layout is described in connectors/province/csv_layout.py.
    Ends with one line on stdout: read, published, rejected, skipped (before the checkpoint).
    """
    if len(files) > 1 and (checkpoint is not None or rejects is not None):
        raise click.UsageError("--checkpoint and --rejects name one file's; give a single FILE with them")
    settings = _settings(source=source, topic_prefix=topic_prefix)
    configure_logging(level=log_level)
    backfill_options: dict[str, Any] = {"batch_size": batch, "max_batches": max_batches}
    run_options = {"fmt": fmt, "checkpoint": checkpoint, "rejects": rejects, "restart": restart}
    with _progress(enabled=True) as progress:
        backfill_options["progress"] = progress
        try:
            total = asyncio.run(_backfill(settings, list(files), backfill_options, run_options))
        except BackfillInputError as exc:
            raise click.ClickException(str(exc)) from exc
        except ValueError as exc:  # an unreadable checkpoint file
            raise click.ClickException(str(exc)) from exc
        except PublishError as exc:
            raise click.ClickException(
                f"{exc}; everything up to the checkpoint is published — run again to resume"
            ) from exc
    click.echo(f"backfill: {total.summary()}")


async def _deliver(settings: ProvinceSettings) -> None:
    await _create_topics(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for received in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(received, stop.set)
    try:
        await SubmissionDelivery(settings).run(stop)
    finally:
        for received in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(received)


@province.command()
@click.option(
    "--webhook-url",
    default=None,
    help="The province system's webhook (default LIENTHONG_PROVINCE_WEBHOOK_URL).",
)
@click.option("--topic-prefix", default=None, help="Prefix of the contract topics (default none).")
@click.option("--group-id", default=None, help="Consumer group (default lienthong-province-deliver).")
@click.option("--log-level", type=_LOG_LEVELS, default="info", show_default=True)
def deliver(
    *, webhook_url: str | None, topic_prefix: str | None, group_id: str | None, log_level: str
) -> None:
    """Deliver routed online submissions to the province system's webhook, until SIGTERM or SIGINT.

    Consumes lienthong.province.submissions.v1 and POSTs each SubmissionRouted as a structured-mode
    CloudEvent (application/cloudevents+json) with a ce-id header and an X-Lienthong-Signature (HMAC-SHA256
    of the body with LIENTHONG_PROVINCE_WEBHOOK_SECRET). A record's offset is committed only after a 2xx
    answer; 5xx, 408, 429 and no answer are retried, and the partition waits while the webhook stays down; a
    refusal (another 4xx except 401/403) goes to <topic>.dlq. At least once: de-duplicate by ce-id.
    """
    settings = _settings(webhook_url=webhook_url, topic_prefix=topic_prefix, deliver_group_id=group_id)
    if settings.webhook_url is None:
        raise click.UsageError("give --webhook-url (or set LIENTHONG_PROVINCE_WEBHOOK_URL)")
    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise click.UsageError(
            "set LIENTHONG_PROVINCE_WEBHOOK_SECRET: the secret the webhook checks bodies with"
        )
    configure_logging(level=log_level)
    structlog.get_logger("province").info("starting delivery", settings=settings.masked())
    try:
        asyncio.run(_deliver(settings))
    except PublishError as exc:
        raise click.ClickException(f"{exc}; nothing was committed — run again") from exc
