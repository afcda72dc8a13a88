"""The province connector's settings: prefix, the shared Kafka variable, frozen, a masked dump."""

from __future__ import annotations

import pydantic
import pytest

from connectors.province import ProvinceSettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("LIENTHONG_PROVINCE_KAFKA_BOOTSTRAP_SERVERS", raising=False)


def test_defaults_listen_on_loopback() -> None:
    settings = ProvinceSettings()
    assert (settings.host, settings.port, settings.topic_prefix) == ("127.0.0.1", 8781, "")
    assert settings.max_batch_events == 1000


def test_plain_kafka_variable_is_read_and_the_prefixed_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1111")
    assert ProvinceSettings().kafka_bootstrap_servers == "127.0.0.1:1111"
    monkeypatch.setenv("LIENTHONG_PROVINCE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:2222")
    assert ProvinceSettings().kafka_bootstrap_servers == "127.0.0.1:2222"
    assert ProvinceSettings(kafka_bootstrap_servers="127.0.0.1:3333").kafka_bootstrap_servers.endswith("3333")


def test_prefixed_variables_configure_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_PROVINCE_TOPIC_PREFIX", "h14.")
    monkeypatch.setenv("LIENTHONG_PROVINCE_SOURCE", "urn:lienthong:connector:province:H14")
    monkeypatch.setenv("LIENTHONG_PROVINCE_MAX_BATCH_EVENTS", "50")
    settings = ProvinceSettings()
    assert (settings.topic_prefix, settings.source, settings.max_batch_events) == (
        "h14.",
        "urn:lienthong:connector:province:H14",
        50,
    )


def test_settings_are_frozen_and_validated() -> None:
    settings = ProvinceSettings()
    with pytest.raises(pydantic.ValidationError):
        settings.port = 1  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        ProvinceSettings(source="has a space")
    with pytest.raises(pydantic.ValidationError):
        ProvinceSettings(unknown=1)  # type: ignore[call-arg]


def test_masked_dump_is_json_ready() -> None:
    dump = ProvinceSettings(topic_prefix="x.").masked()
    assert dump["topic_prefix"] == "x."
    assert dump["port"] == 8781
