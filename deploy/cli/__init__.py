"""The ``lienthong`` command line: one group per runtime piece, ``--help`` on every command."""

from __future__ import annotations

import click

from deploy.cli.connector import connector
from deploy.cli.demo import demo
from deploy.cli.dlq import dlq
from deploy.cli.hub import hub
from deploy.cli.kafka import kafka
from deploy.cli.portal import portal
from deploy.cli.report import report
from deploy.cli.schema import schema
from deploy.cli.simulate import simulate

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lienthong")
def main() -> None:
    """lienthong: event-driven data exchange between provincial one-stop systems and the national portal."""


main.add_command(kafka)
main.add_command(schema)
main.add_command(portal)
main.add_command(demo)
main.add_command(connector)
main.add_command(simulate)
main.add_command(hub)
main.add_command(report)
main.add_command(dlq)
