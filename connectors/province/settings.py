"""Settings of the province connector: one frozen class, environment prefix ``LIENTHONG_PROVINCE_``.

The Kafka address is also read from plain ``KAFKA_BOOTSTRAP_SERVERS``, the variable every other piece (and
``lienthong kafka up``) uses, so one export serves them all; the prefixed variable wins when both are set.
The ``webhook_*`` and ``deliver_*`` settings are those of ``lienthong connector province deliver``; the
webhook secret is a ``SecretStr``, masked in :meth:`ProvinceSettings.masked`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.portal.retries import RetryPolicy
from connectors.province.webhook_client import WEBHOOK_CALL, public_url
from contracts.codes import OpaqueCode

__all__ = ["ProvinceSettings"]

PositiveSeconds = Annotated[float, Field(gt=0)]
_REBALANCE_MARGIN_S = 30.0


class ProvinceSettings(BaseSettings):
    """Everything the province connector (HTTP ingest, backfill, webhook delivery) is configured with."""

    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_PROVINCE_", frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        min_length=1,
        validation_alias=AliasChoices(
            "LIENTHONG_PROVINCE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    topic_prefix: str = ""
    """Put in front of every contract topic name (several provinces or test runs on one cluster)."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8781
    source: OpaqueCode = "urn:lienthong:connector:province"
    """The connector's identity: the Kafka client id, and the ``source`` of events it builds itself (CSV
    backfill rows without a source column), e.g. ``urn:lienthong:connector:province:H14``."""

    max_batch_events: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """The most events one HTTP request may carry; more is answered 413."""
    max_body_bytes: Annotated[int, Field(ge=1024)] = 8 * 1024 * 1024
    """The largest HTTP request body; larger is answered 413 without being read to the end."""

    publish_timeout_seconds: PositiveSeconds = 15.0
    """How long Kafka has to acknowledge a request's records before the request is answered 503."""
    retry_after_seconds: Annotated[int, Field(ge=1)] = 5
    """The ``Retry-After`` of a 503 answer."""
    linger_ms: Annotated[int, Field(ge=0)] = 5
    connect_backoff_max_seconds: PositiveSeconds = 10.0
    """The longest pause between attempts to reach Kafka while the ingest is not ready."""

    webhook_url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+[^\s]*$")] | None = None
    """Where ``deliver`` POSTs each routed submission (the province system's webhook)."""
    webhook_secret: SecretStr | None = None
    """The shared secret ``deliver`` signs each body with (HMAC-SHA256, ``X-Lienthong-Signature``)."""
    webhook_timeout_seconds: PositiveSeconds = 10.0
    """How long one POST may take, connecting included."""
    webhook_retry_max_attempts: Annotated[int, Field(ge=1)] = WEBHOOK_CALL.max_attempts
    webhook_retry_max_delay_seconds: PositiveSeconds = WEBHOOK_CALL.max_delay
    webhook_retry_initial_wait_seconds: PositiveSeconds = WEBHOOK_CALL.initial_wait
    webhook_retry_max_wait_seconds: PositiveSeconds = WEBHOOK_CALL.max_wait
    webhook_retry_after_cap_seconds: Annotated[float, Field(ge=0)] = WEBHOOK_CALL.retry_after_cap
    """The longest a ``Retry-After`` of the webhook is honoured for."""
    deliver_group_id: Annotated[str, Field(min_length=1)] = "lienthong-province-deliver"
    """The consumer group of ``deliver`` on the routed-submission topic."""
    deliver_backoff_seconds: PositiveSeconds = 5.0
    """The pause before a held record is tried again (webhook down past its retries, a dead letter Kafka did
    not acknowledge)."""
    deliver_max_batch_records: Annotated[int, Field(ge=1, le=100)] = 5
    """Records fetched per poll."""
    dead_letter_replication_factor: Annotated[int, Field(ge=1)] = 1
    """Replication of the dead-letter topic ``deliver`` creates when it is missing."""

    def webhook_policy(self) -> RetryPolicy:
        """:data:`~connectors.province.webhook_client.WEBHOOK_CALL` with this deployment's numbers."""
        return WEBHOOK_CALL.replace(
            max_attempts=self.webhook_retry_max_attempts,
            max_delay=self.webhook_retry_max_delay_seconds,
            initial_wait=self.webhook_retry_initial_wait_seconds,
            max_wait=self.webhook_retry_max_wait_seconds,
            retry_after_cap=self.webhook_retry_after_cap_seconds,
        )

    @property
    def deliver_max_poll_interval_ms(self) -> int:
        """Longer than the slowest batch can take (each record through all its retries), so slow delivery
        never makes the group rebalance and deliver the batch again (aiokafka #848)."""
        per_record = (
            self.webhook_retry_max_delay_seconds
            + self.webhook_retry_after_cap_seconds
            + self.webhook_timeout_seconds
        )
        return int((self.deliver_max_batch_records * per_record + _REBALANCE_MARGIN_S) * 1000)

    def masked(self) -> dict[str, Any]:
        """The settings for a log line: the secret masked, the webhook URL without user info or query."""
        dump = self.model_dump(mode="json")
        if self.webhook_url is not None:
            dump["webhook_url"] = public_url(self.webhook_url)
        return dump
