"""``lienthong connector portal``: run the portal connector (``connectors/portal``) until SIGTERM or SIGINT.

Settings come from ``LIENTHONG_PORTAL_CONNECTOR_*`` environment variables (and ``KAFKA_BOOTSTRAP_SERVERS``);
the options here win over them. The contract topics are created when missing (``deploy.topology``), the
connector's own dead-letter and cursor topics by the connector. Logs go to stderr: JSON unless on a terminal.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import click
import structlog
from pydantic import ValidationError

from connectors.portal import PortalConnectorSettings, create_connector
from deploy.logging import configure_logging
from deploy.topology import ensure_topics, topic_names

__all__ = ["portal_connector"]

_log = structlog.get_logger("deploy.cli.connector_portal")


async def _serve(settings: PortalConnectorSettings) -> None:
    await ensure_topics(settings.kafka_bootstrap_servers, topic_names(settings.topic_prefix))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for received in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(received, stop.set)
    try:
        await create_connector(settings).run(stop)
    finally:
        for received in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(received)


@click.command("portal", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--bootstrap-servers", default=None, help="Kafka bootstrap address (default from the environment)."
)
@click.option(
    "--portal-url", default=None, help="Base URL of the national portal (default http://127.0.0.1:8780)."
)
@click.option("--topic-prefix", default=None, help="Prefix of every topic name (default none).")
@click.option("--group-id", default=None, help="Consumer group of the command consumer.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def portal_connector(  # click passes options by name
    *,
    bootstrap_servers: str | None,
    portal_url: str | None,
    topic_prefix: str | None,
    group_id: str | None,
    log_level: str,
) -> None:
    """Run the portal connector: sync commands to the national portal, publish its online submissions.

    It consumes lienthong.portal.commands.v1, makes the portal hold each sync command's dossier (look up,
    create or update, push progress) and looks dossiers up for the hub's drift check, publishes the outcomes
    on lienthong.portal.outcomes.v1, and polls the portal's online submissions onto
    lienthong.portal.submissions.v1. It stops cleanly on SIGTERM or
    SIGINT: the command in flight finishes and is committed.
    """
    overrides: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap_servers,
        "portal_base_url": portal_url,
        "topic_prefix": topic_prefix,
        "group_id": group_id,
    }
    try:
        settings = PortalConnectorSettings(
            **{key: value for key, value in overrides.items() if value is not None}
        )
    except ValidationError as exc:
        raise click.ClickException(f"invalid portal connector settings: {exc}") from exc
    configure_logging(level=log_level)
    _log.info("starting the portal connector", settings=settings.masked())
    asyncio.run(_serve(settings))
