"""Settings of the hub process: one frozen class, environment prefix ``LIENTHONG_HUB_``.

The Kafka bootstrap address is also read from the plain ``KAFKA_BOOTSTRAP_SERVERS`` and the ledger's database
URL from ``LIENTHONG_DATABASE_URL`` (the prefixed variables win). :meth:`HubSettings.masked` is what goes into
a log line: the database URL without its password.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.rules.settings import HUB_SOURCE, RuleSettings

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
    commit_interval_seconds: Seconds = 0.2
    """How often the offsets of records whose effects are durable are committed (one commit per group)."""
    retry_backoff_seconds: Seconds = 2.0
    """The pause before a record whose effect could not be stored is read again."""
    max_poll_interval_ms: Annotated[int, Field(ge=1000)] = 300_000
    graceful_timeout_seconds: Seconds = 15.0

    reconcile_interval_seconds: Seconds = 60.0
    """How often the periodic check walks the ledger (re-sync, missing/mismatch findings, drift lookups,
    parking expiry)."""
    full_check_interval_seconds: Seconds = 3600.0
    """How often the periodic check walks the whole ledger (and picks drift lookups); between walks it looks
    only at the dossiers that needed attention at the last walk and those an event changed since."""
    sync_sla_seconds: Seconds = 15 * 60.0
    """How long the portal may take to acknowledge a revision before the dossier counts as missing or
    mismatched (the rules' ``sync_sla``)."""
    resync_interval_seconds: Seconds = 15 * 60.0
    """The least time between two sync commands for the same revision (the rules' ``resync_interval``)."""
    outage_retry_seconds: Seconds = 120.0
    """How long after the portal connector gave up on an outage the revision is sent again."""
    drift_check_interval_seconds: Seconds = 6 * 3600.0
    """How long the portal's word on a dossier in step (its acknowledgement or the last lookup) is trusted
    before the periodic check asks the portal connector to look the dossier up again."""
    drift_check_batch: Annotated[int, Field(ge=0)] = 100
    """At most this many drift lookups are requested per round, the longest unconfirmed first; 0 turns the
    drift check off."""
    drift_lookup_timeout_seconds: Seconds = 15 * 60.0
    """How long a lookup request may go unanswered before the dossier is asked about again."""
    park_grace_seconds: Seconds = 3 * 24 * 3600.0
    """How long a submission for an unknown agency code waits for the code to be issued."""
    unknown_payment_grace_seconds: Seconds = 3 * 24 * 3600.0
    """How long a payment for an unknown dossier waits for the dossier before an operator is asked."""

    def rules(self) -> RuleSettings:
        """The pure rules' settings these deployable settings stand for."""
        return RuleSettings(
            source=self.source,
            sync_sla=dt.timedelta(seconds=self.sync_sla_seconds),
            resync_interval=dt.timedelta(seconds=self.resync_interval_seconds),
            outage_retry_interval=dt.timedelta(seconds=self.outage_retry_seconds),
            drift_check_interval=dt.timedelta(seconds=self.drift_check_interval_seconds),
            drift_lookup_timeout=dt.timedelta(seconds=self.drift_lookup_timeout_seconds),
            park_grace=dt.timedelta(seconds=self.park_grace_seconds),
            unknown_payment_grace=dt.timedelta(seconds=self.unknown_payment_grace_seconds),
        )

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
