"""Payment connector settings: environment, the plain Kafka variable, compressible durations, masking."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connectors.payment import PaymentSettings


def test_defaults_follow_the_platform_practice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    settings = PaymentSettings()
    assert (settings.query_after, settings.give_up_after) == (1800.0, 259200.0)
    assert settings.port == 8782


def test_environment_and_the_plain_kafka_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9192")
    monkeypatch.setenv("LIENTHONG_PAYMENT_QUERY_AFTER", "0.5")
    monkeypatch.setenv("LIENTHONG_PAYMENT_GIVE_UP_AFTER", "P3D")
    monkeypatch.setenv("LIENTHONG_PAYMENT_QUERY_INTERVAL", "PT1M")
    settings = PaymentSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9192"
    assert (settings.query_after, settings.give_up_after, settings.query_interval) == (0.5, 259200.0, 60.0)
    monkeypatch.setenv("LIENTHONG_PAYMENT_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9292")
    assert PaymentSettings().kafka_bootstrap_servers == "127.0.0.1:9292"


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_PAYMENT_PARTNER_SECRET", "s3cr3t-partner")
    monkeypatch.setenv("LIENTHONG_PAYMENT_CLIENT_SECRET", "s3cr3t-client")
    settings = PaymentSettings()
    assert settings.partner_secret.get_secret_value() == "s3cr3t-partner"
    assert "s3cr3t" not in str(settings.masked())


def test_durations_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        PaymentSettings(query_interval=0)
