"""``lienthong portal``: run the mock National Public Service Portal (``connectors/national_portal``).

Every setting also comes from ``LIENTHONG_PORTAL_*`` environment variables (see
``connectors/national_portal/README.md``); the options here win over them. Logs go to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import structlog
import uvicorn
from pydantic import ValidationError

from connectors.national_portal import PortalSettings, create_app
from deploy.logging import configure_logging

__all__ = ["portal"]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on (default 8780).")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file holding the portal's state (default .state/portal/portal.sqlite3).",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSON fault profile to start with (see the README of connectors/national_portal).",
)
@click.option("--callback-url", default=None, help="Where payment confirmations are posted.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def portal(  # click passes options by name
    *,
    host: str | None,
    port: int | None,
    database: Path | None,
    faults_file: Path | None,
    callback_url: str | None,
    log_level: str,
) -> None:
    """Run the mock national portal: dossier sync, online submissions, payments, fault injection.

    It serves until interrupted; its state stays in the SQLite file for the next start.
    """
    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "database": database,
        "faults_file": faults_file,
        "payment_callback_url": callback_url,
    }
    try:
        settings = PortalSettings(**{key: value for key, value in overrides.items() if value is not None})
        settings.initial_faults()
    except (ValidationError, ValueError) as exc:
        raise click.ClickException(f"invalid portal settings: {exc}") from exc
    configure_logging(level=log_level)
    structlog.get_logger("national_portal").info("starting", settings=settings.masked())
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        log_config=None,  # uvicorn's records go through the handler configure_logging installed
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    uvicorn.Server(config).run()
