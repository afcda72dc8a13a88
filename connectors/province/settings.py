"""Settings of the province connector: one frozen class, environment prefix ``LIENTHONG_PROVINCE_``.

The Kafka address is also read from plain ``KAFKA_BOOTSTRAP_SERVERS``, the variable every other piece (and
``lienthong kafka up``) uses, so one export serves them all; the prefixed variable wins when both are set.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.codes import OpaqueCode

__all__ = ["ProvinceSettings"]

PositiveSeconds = Annotated[float, Field(gt=0)]


class ProvinceSettings(BaseSettings):
    """Everything the province connector (HTTP ingest and backfill) is configured with."""

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

    def masked(self) -> dict[str, Any]:
        """The settings for a log line (none of them is secret today; new secrets are ``SecretStr``)."""
        return self.model_dump(mode="json")
