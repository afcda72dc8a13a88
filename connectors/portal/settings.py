"""Settings of the portal connector: one frozen class, environment prefix ``LIENTHONG_PORTAL_CONNECTOR_``.

The Kafka bootstrap address is also read from the plain ``KAFKA_BOOTSTRAP_SERVERS`` (the prefixed variable
wins). Secrets are ``SecretStr``; :meth:`PortalConnectorSettings.masked` is what goes into a log line. The
portal credentials default to the mock portal's development client, so a local demo runs without setup.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.portal.retries import PORTAL_CALL, RetryPolicy

__all__ = ["ENV_PREFIX", "PortalConnectorSettings"]

ENV_PREFIX = "LIENTHONG_PORTAL_CONNECTOR_"

Seconds = Annotated[float, Field(gt=0)]
_REBALANCE_MARGIN_S = 30.0


class PortalConnectorSettings(BaseSettings):
    """Everything one portal connector process is configured with."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    topic_prefix: str = ""
    """Put in front of every topic name (contract topics, dead letters, the cursor topic)."""
    group_id: str = "lienthong-portal-connector"
    """The consumer group of the command consumer."""
    source: Annotated[str, Field(pattern=r"^[\x21-\x7e]{1,128}$")] = "lienthong-portal-connector"
    """``ce_source`` of the events this connector publishes."""
    topic_replication_factor: Annotated[int, Field(ge=1)] = 1
    """Replication of the topics the connector creates itself (dead letters, cursor)."""

    portal_base_url: str = "http://127.0.0.1:8780"
    portal_client_id: str = "lienthong"
    portal_client_secret: SecretStr = SecretStr("lienthong-portal-secret")
    request_timeout_seconds: Seconds = 10.0
    token_refresh_margin_seconds: Annotated[float, Field(ge=0)] = 30.0
    """A token is renewed this long before it expires (at most half its lifetime early)."""

    retry_max_attempts: Annotated[int, Field(ge=1)] = PORTAL_CALL.max_attempts
    retry_max_delay_seconds: Seconds = PORTAL_CALL.max_delay
    retry_initial_wait_seconds: Seconds = PORTAL_CALL.initial_wait
    retry_max_wait_seconds: Seconds = PORTAL_CALL.max_wait
    retry_after_cap_seconds: Annotated[float, Field(ge=0)] = PORTAL_CALL.retry_after_cap
    sync_deadline_seconds: Seconds = 60.0
    """The longest one sync command may take, retries included; then it fails as retriable."""

    breaker_failure_threshold: Annotated[int, Field(ge=1)] = 5
    """Consecutive failed calls (5xx, timeouts, dropped connections) that open the circuit."""
    breaker_open_seconds: Seconds = 15.0
    """How long an open circuit holds calls back before one probe may go through."""

    rate_limit_per_second: Seconds = 10.0
    rate_limit_burst: Annotated[int, Field(ge=1)] = 20

    poll_interval_seconds: Seconds = 5.0
    poll_page_size: Annotated[int, Field(ge=1, le=500)] = 100
    cursor_key: Annotated[str, Field(min_length=1)] = "HoSoTrucTuyen"
    """The key of this feed's cursor on the cursor topic."""

    max_batch_records: Annotated[int, Field(ge=1, le=100)] = 4
    """Records fetched per poll."""
    key_concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    """Dossiers of one partition synced side by side (each dossier's commands stay in order)."""
    retry_tier_seconds: tuple[Annotated[float, Field(gt=0)], ...] = (60.0, 600.0, 3600.0)
    """The delays of the retry tiers ``<commands>.retry.1`` … in seconds; a sync still failing at the last
    one is dead-lettered. Empty: no tiers, a sync that failed its in-process retries is reported as failed.
    As an environment variable, a JSON list: ``[60, 600, 3600]``."""
    publish_backoff_seconds: Seconds = 5.0
    """The pause after Kafka did not acknowledge an outcome or a dead letter, before the record is retried."""

    def portal_call_policy(self) -> RetryPolicy:
        """:data:`~connectors.portal.retries.PORTAL_CALL` with this deployment's numbers."""
        return PORTAL_CALL.replace(
            max_attempts=self.retry_max_attempts,
            max_delay=self.retry_max_delay_seconds,
            initial_wait=self.retry_initial_wait_seconds,
            max_wait=self.retry_max_wait_seconds,
            retry_after_cap=self.retry_after_cap_seconds,
        )

    @property
    def max_poll_interval_ms(self) -> int:
        """Longer than the slowest batch can take (every record of it on one partition, each at its deadline),
        so slow processing never makes the group rebalance and re-deliver it (aiokafka #848)."""
        return int((self.max_batch_records * self.sync_deadline_seconds + _REBALANCE_MARGIN_S) * 1000)

    def masked(self) -> dict[str, Any]:
        """The settings for a log line; secrets stay masked."""
        return self.model_dump(mode="json")
