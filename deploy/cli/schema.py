"""``lienthong schema``: JSON Schema and AsyncAPI export, compatibility check (placeholder)."""

import click

__all__ = ["schema"]


@click.group()
def schema() -> None:
    """Export the event contracts' schemas and check them for breaking changes."""
