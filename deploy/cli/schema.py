"""``lienthong schema``: export the contracts' JSON Schemas and AsyncAPI document; check for breaking changes.

Results for scripts go to stdout (the files written, the breaking changes, ``compatible``); notes go to
stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from contracts.errors import IncompatibleSchemaError
from contracts.schema import SCHEMA_DIRECTORY, check, export, stale_files

__all__ = ["schema"]

_DIRECTORY = click.Path(file_okay=False, dir_okay=True, writable=True, path_type=Path)


@click.group()
def schema() -> None:
    """Export the event contracts' schemas and check them for breaking changes.

    Committed schemas live in contracts/schemas: <type>.json (current), history/<type>/<n>.json (every
    released revision) and asyncapi.json.
    """


@schema.command("export")
@click.option(
    "--out",
    "directory",
    type=_DIRECTORY,
    default=SCHEMA_DIRECTORY,
    show_default=True,
    help="Directory to write into (its history/ is the one checked).",
)
def export_command(directory: Path) -> None:
    """Write each event type's JSON Schema, append changed ones to the history, write asyncapi.json.

    Refuses (exit 1, nothing written) when a schema would break consumers of a committed revision.
    """
    from deploy.asyncapi import write_asyncapi  # noqa: PLC0415 - FastStream takes ~1 s to import; only here

    try:
        written = export(directory)
    except IncompatibleSchemaError as exc:
        for change in exc.changes:
            click.echo(str(change))
        click.echo("refused: breaking schema change(s); publish a new event type (…v2) instead", err=True)
        raise SystemExit(1) from None
    asyncapi = directory / "asyncapi.json"
    if write_asyncapi(asyncapi):
        written.append(asyncapi)
    for path in written:
        click.echo(str(path))
    if not written:
        click.echo("schemas up to date", err=True)


@schema.command("check")
@click.option(
    "--dir",
    "directory",
    type=_DIRECTORY,
    default=SCHEMA_DIRECTORY,
    show_default=True,
    help="Directory holding the committed schemas.",
)
def check_command(directory: Path) -> None:
    """Check the models' schemas against every committed revision (backward transitive).

    Exit 1 listing each breaking change with its JSON path; exit 0 printing "compatible".
    """
    changes = check(directory)
    if changes:
        for change in changes:
            click.echo(str(change))
        click.echo(f"{len(changes)} breaking change(s)", err=True)
        raise SystemExit(1)
    stale = stale_files(directory)
    if stale:
        click.echo(
            f"note: committed schema(s) out of date, run `lienthong schema export`: {', '.join(stale)}",
            err=True,
        )
    click.echo("compatible")
