"""``lienthong connector identity``: import agency-code registry decisions into Kafka.

Settings come from ``LIENTHONG_IDENTITY_*`` environment variables (``KAFKA_BOOTSTRAP_SERVERS`` for the broker;
see ``connectors/identity/README.md``); the options here win over them. A summary line per file goes to
stdout, each rejected row (``file:line: code: reason``) to stderr; the exit status is 1 when a row was
rejected (the file's other rows are still published), 2 for a file that cannot be read.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import click
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from connectors.errors import PublishError, RegistryError
from connectors.identity import (
    PROVINCE_REGISTRIES,
    FileReport,
    IdentitySettings,
    RegistryImporter,
    registry_files,
)
from connectors.publishing import EventPublisher
from deploy.logging import configure_logging
from deploy.topology import ensure_topics, topic_names

__all__ = ["identity_connector"]

_UNREADABLE_EXIT_CODE = 2


@click.group("identity", context_settings={"help_option_names": ["-h", "--help"]})
def identity_connector() -> None:
    """Agency identity codes: import registry decisions (issue, amend, close) and publish them."""


async def _run(settings: IdentitySettings, paths: list[Path], *, dry_run: bool) -> list[FileReport]:
    if dry_run:
        return await RegistryImporter(None, settings.state_file, source=settings.source).import_files(paths)
    await ensure_topics(settings.kafka_bootstrap_servers, topic_names(settings.topic_prefix))
    async with EventPublisher(
        settings.kafka_bootstrap_servers,
        client_id=f"lienthong-identity-{os.getpid()}",
        topic_prefix=settings.topic_prefix,
    ) as publisher:
        importer = RegistryImporter(
            publisher, settings.state_file, source=settings.source, batch_size=settings.batch_size
        )
        return await importer.import_files(paths)


def _summary(report: FileReport, *, dry_run: bool) -> str:
    if report.unchanged:
        return f"{report.path}: unchanged since it was imported; nothing to publish"
    verb = "would publish" if dry_run else "published"
    counts = ", ".join(f"{count} {action}" for action, count in sorted(report.published.items())) or "0"
    return (
        f"{report.path}: {verb} {counts}; {report.already_imported} already imported; "
        f"{len(report.rejected)} rejected"
    )


@identity_connector.command("import", short_help="Validate registry files and publish their decisions.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--province",
    "provinces",
    multiple=True,
    type=click.Choice(sorted(PROVINCE_REGISTRIES)),
    help="Import a shipped registry (its codes, then its 2025 closures); repeatable.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Processed-state file (default .state/identity/imported.json).",
)
@click.option("--topic-prefix", default=None, help="Prefix of the Kafka topic names.")
@click.option("--dry-run", is_flag=True, help="Only validate: publish nothing, remember nothing.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="warning",
    show_default=True,
)
def import_registries(
    *,
    files: tuple[Path, ...],
    provinces: tuple[str, ...],
    state_file: Path | None,
    topic_prefix: str | None,
    dry_run: bool,
    log_level: str,
) -> None:
    """Import registry FILES (.jsonl or .csv; see connectors/identity/README.md), shipped registries first.

    Every row is validated; valid decisions are published as AgencyCodeIssued/Amended/Closed (key = agency
    code). Importing the same decisions again publishes nothing.
    """
    paths = [path for province in provinces for path in registry_files(province)] + list(files)
    if not paths:
        raise click.UsageError("name registry FILES or --province")
    overrides: dict[str, Any] = {"state_file": state_file, "topic_prefix": topic_prefix}
    try:
        settings = IdentitySettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid identity connector settings: {exc}") from exc
    configure_logging(level=log_level)
    try:
        reports = asyncio.run(_run(settings, paths, dry_run=dry_run))
    except RegistryError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(_UNREADABLE_EXIT_CODE)
    except (PublishError, KafkaError, RuntimeError) as exc:
        raise click.ClickException(f"Kafka: {type(exc).__name__}: {exc}") from exc
    for report in reports:
        click.echo(_summary(report, dry_run=dry_run))
        for rejection in report.rejected:
            click.echo(f"rejected: {rejection}", err=True)
    if any(report.rejected for report in reports):
        sys.exit(1)
