"""``lienthong connector payment``: the payment connector — callback receiver and QUERY job in one process.

Every setting also comes from ``LIENTHONG_PAYMENT_*`` environment variables (``KAFKA_BOOTSTRAP_SERVERS`` for
the broker; see ``connectors/payment/README.md``); the options here win over them. The contract topics are
created first when missing. Logs go to stderr.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import click
import structlog
import uvicorn
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from connectors.payment import PaymentSettings, create_app
from deploy.logging import configure_logging
from deploy.topology import ensure_topics, topic_names

__all__ = ["payment_connector"]


@click.command("payment", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on (default 8782).")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file of watched transactions (default .state/payment/payment.sqlite3).",
)
@click.option("--platform-url", default=None, help="Base URL of the payment platform (for QUERY).")
@click.option("--topic-prefix", default=None, help="Prefix of the Kafka topic names.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def payment_connector(
    *,
    host: str | None,
    port: int | None,
    database: Path | None,
    platform_url: str | None,
    topic_prefix: str | None,
    log_level: str,
) -> None:
    """Run the payment connector: verify the platform's signed callbacks, re-query open transactions, and
    publish payment events to Kafka.

    Endpoints: POST /paygov/callback (the platform), POST /paygov/transactions (the provincial system, after
    INIT), GET /metrics, GET /healthz. It serves until interrupted.
    """
    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "database": database,
        "platform_url": platform_url,
        "topic_prefix": topic_prefix,
    }
    try:
        settings = PaymentSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid payment connector settings: {exc}") from exc
    configure_logging(level=log_level)
    # One line per QUERY call at INFO would drown the connector's own lines.
    logging.getLogger("httpx").setLevel(max(logging.getLogger().level, logging.WARNING))
    log = structlog.get_logger("payment")
    log.info("starting", settings=settings.masked())
    try:
        asyncio.run(ensure_topics(settings.kafka_bootstrap_servers, topic_names(settings.topic_prefix)))
    except (KafkaError, RuntimeError) as exc:
        raise click.ClickException(f"cannot prepare the Kafka topics: {type(exc).__name__}: {exc}") from exc
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        log_config=None,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    uvicorn.Server(config).run()
