"""The ``connector portal`` command: its help, and refusing bad settings before touching the network."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from deploy.cli.connector_portal import portal_connector


def test_help_describes_the_command() -> None:
    result = CliRunner().invoke(portal_connector, ["--help"])
    assert result.exit_code == 0
    assert "sync commands to the national portal" in result.output
    for option in ("--bootstrap-servers", "--portal-url", "--topic-prefix", "--group-id", "--log-level"):
        assert option in result.output


def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_POLL_PAGE_SIZE", "0")
    result = CliRunner().invoke(portal_connector, [])
    assert result.exit_code != 0
    assert "invalid portal connector settings" in result.output
