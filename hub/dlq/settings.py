"""Settings of the dead-letter tool: one frozen class, environment prefix ``LIENTHONG_DLQ_``.

The Kafka bootstrap address is also read from the plain ``KAFKA_BOOTSTRAP_SERVERS``, the operator's name
from ``LIENTHONG_OPERATOR`` (else the operating-system user).
"""

from __future__ import annotations

import getpass
from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.dlq.audit import AUDIT_TOPIC

__all__ = ["ENV_PREFIX", "DlqSettings"]

ENV_PREFIX = "LIENTHONG_DLQ_"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment nor a passwd entry (some containers)
        return "unknown"


class DlqSettings(BaseSettings):
    """How the dead-letter tool reaches Kafka and who it acts for."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    topic_prefix: str = ""
    """Put in front of every topic name, as for the hub and the connectors."""
    operator: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        default_factory=_os_user,
        validation_alias=AliasChoices(f"{ENV_PREFIX}OPERATOR", "LIENTHONG_OPERATOR"),
    )
    """Who is acting, as written in the audit log."""
    client_id: str = "lienthong-dlq"
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    """At most this many records are fetched, held and sent at a time."""
    audit_replication_factor: Annotated[int, Field(ge=1)] | None = None
    """Of the audit and replay topics when created; default min(3, number of brokers)."""

    @property
    def audit_topic(self) -> str:
        return f"{self.topic_prefix}{AUDIT_TOPIC}"
