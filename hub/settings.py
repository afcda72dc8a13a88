"""Settings of the hub process: one frozen class, environment prefix ``LIENTHONG_HUB_``.

The Kafka bootstrap address is also read from the plain ``KAFKA_BOOTSTRAP_SERVERS`` and the ledger's database
URL from ``LIENTHONG_DATABASE_URL`` (the prefixed variables win). :meth:`HubSettings.masked` is what goes into
a log line: the database URL without its password.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.rules.settings import HUB_SOURCE

__all__ = ["DLQ_SUFFIX", "ENV_PREFIX", "HubSettings"]

ENV_PREFIX = "LIENTHONG_HUB_"
DLQ_SUFFIX = ".dlq"
"""A dead-letter topic is named ``<prefix><source topic>.dlq``."""

Seconds = Annotated[float, Field(gt=0)]


class HubSettings(BaseSettings):
    """Everything one hub process is configured with."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    topic_prefix: str = ""
    """Put in front of every topic name (contract topics and dead-letter topics)."""
    group_id: str = "lienthong-hub"
    source: Annotated[str, Field(pattern=r"^[\x21-\x7e]{1,128}$")] = HUB_SOURCE
    """``ce_source`` of the commands the hub publishes."""
    database_url: str = Field(
        default="sqlite:///.state/hub/ledger.sqlite3",
        validation_alias=AliasChoices(f"{ENV_PREFIX}DATABASE_URL", "LIENTHONG_DATABASE_URL"),
    )
    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8790
    """0 picks a free port (tests)."""
    http_enabled: bool = True

    relay_interval_seconds: Seconds = 1.0
    """How often the outbox relay looks for rows a failed publish left behind."""
    retry_backoff_seconds: Seconds = 2.0
    """The pause before a record whose effect could not be stored is read again."""
    max_poll_interval_ms: Annotated[int, Field(ge=1000)] = 300_000
    graceful_timeout_seconds: Seconds = 15.0

    def topic(self, name: str) -> str:
        """The physical name of a contract topic."""
        return f"{self.topic_prefix}{name}"

    def dlq_topic(self, source_topic: str) -> str:
        """The dead-letter topic of a physical source topic (which already carries the prefix)."""
        return f"{source_topic}{DLQ_SUFFIX}"

    def masked(self) -> dict[str, Any]:
        """The settings as a dict fit for a log line."""
        dumped = self.model_dump()
        dumped["database_url"] = _without_password(self.database_url)
        return dumped


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port is not None else ""
    netloc = f"{parts.username}:***@{host}{port}" if parts.username else f"***@{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))
