"""The hub's settings: environment names, defaults and the masked dump."""

from __future__ import annotations

import pytest

from hub.settings import HubSettings


def test_defaults_read_the_plain_kafka_and_database_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """KAFKA_BOOTSTRAP_SERVERS and LIENTHONG_DATABASE_URL work without the hub's prefix."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    settings = HubSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.database_url == "sqlite:////tmp/x.sqlite3"
    assert (settings.group_id, settings.http_host, settings.http_port) == ("lienthong-hub", "127.0.0.1", 8790)


def test_the_prefixed_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    """LIENTHONG_HUB_* beats the plain variables."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "a:1")
    monkeypatch.setenv("LIENTHONG_HUB_KAFKA_BOOTSTRAP_SERVERS", "b:2")
    monkeypatch.setenv("LIENTHONG_HUB_TOPIC_PREFIX", "x.")
    settings = HubSettings()
    assert settings.kafka_bootstrap_servers == "b:2"
    assert settings.topic("t") == "x.t"
    assert settings.dlq_topic(settings.topic("t")) == "x.t.dlq"


def test_the_masked_dump_hides_the_database_password() -> None:
    """A log line never carries the PostgreSQL password."""
    settings = HubSettings(database_url="postgresql://hub:s3cret@db:5432/ledger")
    masked = settings.masked()
    assert masked["database_url"] == "postgresql://hub:***@db:5432/ledger"
    assert "s3cret" not in str(masked)


def test_settings_are_frozen() -> None:
    settings = HubSettings()
    with pytest.raises(ValueError, match="frozen"):
        settings.group_id = "other"  # type: ignore[misc]


def test_the_drift_check_defaults_to_six_hours_a_hundred_a_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drift knobs reach the rules; a batch of 0 turns the drift check off."""
    rules = HubSettings().rules()
    assert (rules.drift_check_interval.total_seconds(), HubSettings().drift_check_batch) == (6 * 3600, 100)
    assert rules.drift_lookup_timeout.total_seconds() == 15 * 60
    monkeypatch.setenv("LIENTHONG_HUB_DRIFT_CHECK_INTERVAL_SECONDS", "0.5")
    monkeypatch.setenv("LIENTHONG_HUB_DRIFT_CHECK_BATCH", "0")
    settings = HubSettings()
    assert (settings.rules().drift_check_interval.total_seconds(), settings.drift_check_batch) == (0.5, 0)
