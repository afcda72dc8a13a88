"""``lienthong hub``: run the hub (``hub.app``) until SIGTERM or SIGINT.

Settings come from ``LIENTHONG_HUB_*`` environment variables (and ``KAFKA_BOOTSTRAP_SERVERS``,
``LIENTHONG_DATABASE_URL``); the options here win over them. The contract topics and the hub's dead-letter
topics are created when missing. Logs go to stderr: JSON unless on a terminal.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import click
import structlog
from pydantic import ValidationError

from deploy.logging import configure_logging
from deploy.topology import ensure_topics, topic_names
from hub.app import create_app, dead_letter_topics
from hub.settings import HubSettings

__all__ = ["hub"]

_log = structlog.get_logger("deploy.cli.hub")


async def _serve(settings: HubSettings) -> None:
    names = [*topic_names(settings.topic_prefix), *dead_letter_topics(settings)]
    await ensure_topics(settings.kafka_bootstrap_servers, names)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for received in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(received, stop.set)
    app = create_app(settings)
    try:
        await app.start()
        try:
            await stop.wait()
            _log.info("stopping the hub: finishing the record in flight")
        finally:
            await app.stop()
    finally:
        for received in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(received)
    _log.info("hub stopped")


@click.command("hub", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--bootstrap-servers", default=None, help="Kafka bootstrap address (default from the environment)."
)
@click.option(
    "--database-url", default=None, help="State store (default sqlite:///.state/hub/ledger.sqlite3)."
)
@click.option("--topic-prefix", default=None, help="Prefix of every topic name (default none).")
@click.option("--group-id", default=None, help="Consumer group of the hub (default lienthong-hub).")
@click.option("--http-host", default=None, help="Address of the HTTP side (default 127.0.0.1).")
@click.option("--http-port", type=int, default=None, help="Port of the HTTP side (default 8790).")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def hub(  # click passes options by name
    *,
    bootstrap_servers: str | None,
    database_url: str | None,
    topic_prefix: str | None,
    group_id: str | None,
    http_host: str | None,
    http_port: int | None,
    log_level: str,
) -> None:
    """Run the hub: apply dossier, portal, payment and identity events to the ledger, command portal syncs
    and drift lookups.

    It consumes the dossier, portal outcome, online submission, payment and identity topics, stores each
    event's effect (ledger entry, findings, commands) in one transaction, publishes the commands on
    lienthong.portal.commands.v1 and only then commits the offset. Records that break the contracts go to
    <topic>.dlq with the original bytes. HTTP: /healthz, /readyz, /metrics, /report, /dossiers/{code}.
    SIGTERM or SIGINT stops it cleanly: the record in flight finishes and is committed.
    """
    overrides: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap_servers,
        "database_url": database_url,
        "topic_prefix": topic_prefix,
        "group_id": group_id,
        "http_host": http_host,
        "http_port": http_port,
    }
    try:
        settings = HubSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid hub settings: {exc}") from exc
    configure_logging(level=log_level)
    _log.info("starting the hub", settings=settings.masked())
    asyncio.run(_serve(settings))
