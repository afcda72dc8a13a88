"""The connector's settings: environment prefix, the plain Kafka variable, masking, derived numbers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.portal.retries import PORTAL_CALL
from connectors.portal.settings import PortalConnectorSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("LIENTHONG_PORTAL_CONNECTOR_KAFKA_BOOTSTRAP_SERVERS", raising=False)


def test_prefixed_variables_configure_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_GROUP_ID", "portal-h14")
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_BREAKER_OPEN_SECONDS", "2.5")
    settings = PortalConnectorSettings()
    assert (settings.group_id, settings.breaker_open_seconds) == ("portal-h14", 2.5)


def test_plain_kafka_variable_is_read_and_the_prefixed_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    assert PortalConnectorSettings().kafka_bootstrap_servers == "127.0.0.1:19092"
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092")
    assert PortalConnectorSettings().kafka_bootstrap_servers == "127.0.0.1:29092"
    assert PortalConnectorSettings(kafka_bootstrap_servers="a:1").kafka_bootstrap_servers == "a:1"


def test_masked_hides_the_secret() -> None:
    settings = PortalConnectorSettings(portal_client_secret="s3cr3t-value")  # noqa: S106 - a test value
    dumped = settings.masked()
    assert "s3cr3t-value" not in str(dumped)
    assert settings.portal_client_secret.get_secret_value() == "s3cr3t-value"


def test_frozen_and_closed() -> None:
    settings = PortalConnectorSettings()
    with pytest.raises(ValidationError):
        settings.group_id = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        PortalConnectorSettings(unknown_option=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        PortalConnectorSettings(poll_page_size=501)


def test_poll_interval_outlasts_the_slowest_batch() -> None:
    """max_poll_interval_ms exceeds a full batch at its deadline (aiokafka #848)."""
    settings = PortalConnectorSettings(max_batch_records=5, sync_deadline_seconds=40)
    assert settings.max_poll_interval_ms > 5 * 40 * 1000


def test_retry_numbers_make_the_call_policy() -> None:
    policy = PortalConnectorSettings(retry_max_attempts=3, retry_after_cap_seconds=4).portal_call_policy()
    assert (policy.name, policy.max_attempts, policy.retry_after_cap) == ("portal_call", 3, 4)
    assert policy.initial_wait == PORTAL_CALL.initial_wait


def test_retry_tiers_come_from_a_json_list_and_may_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PortalConnectorSettings().retry_tier_seconds == (60.0, 600.0, 3600.0)
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_RETRY_TIER_SECONDS", "[5, 15.5]")
    assert PortalConnectorSettings().retry_tier_seconds == (5.0, 15.5)
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_RETRY_TIER_SECONDS", "[]")
    assert PortalConnectorSettings().retry_tier_seconds == ()
    monkeypatch.setenv("LIENTHONG_PORTAL_CONNECTOR_RETRY_TIER_SECONDS", "[60, 0]")
    with pytest.raises(ValidationError):
        PortalConnectorSettings()
