"""``lienthong connector <name>``: one process per connector."""

from __future__ import annotations

import click

from deploy.cli.connector_identity import identity_connector
from deploy.cli.connector_payment import payment_connector
from deploy.cli.connector_portal import portal_connector
from deploy.cli.connector_province import province

__all__ = ["connector"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def connector() -> None:
    """Run a connector: the I/O adapters between Kafka and the systems around it."""


connector.add_command(identity_connector)
connector.add_command(payment_connector)
connector.add_command(portal_connector)
connector.add_command(province)
