"""Every ``lienthong`` command and group answers ``--help`` with its usage and exits 0."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from deploy.cli import main


def _paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            paths.extend(_paths(sub, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", _paths(main), ids=lambda path: " ".join(("lienthong", *path)))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    assert len(result.output.splitlines()) > 3


def test_the_command_tree_covers_the_runtime_pieces() -> None:
    assert {"kafka", "schema", "portal", "demo", "hub", "report", "dlq"} <= set(main.commands)
