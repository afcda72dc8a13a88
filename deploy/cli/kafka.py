"""``lienthong kafka``: the local Apache Kafka runtime (placeholder until the runtime lands)."""

import click

__all__ = ["kafka"]


@click.group()
def kafka() -> None:
    """Run a real Apache Kafka broker locally, without Docker."""
