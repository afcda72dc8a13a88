"""Settings of the payment connector: one frozen class, environment prefix ``LIENTHONG_PAYMENT_``.

The Kafka bootstrap address also comes from the plain ``KAFKA_BOOTSTRAP_SERVERS`` every lienthong process
reads. The QUERY job's three durations are seconds (``LIENTHONG_PAYMENT_QUERY_AFTER=1800``) or ISO 8601
durations (``PT30M``, ``P3D``), so a simulation or a test can compress hours into seconds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, TypeAdapter
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PaymentSettings"]

_DURATION = TypeAdapter(dt.timedelta)


def _seconds(value: Any) -> Any:
    """``"PT30M"`` → 1800.0; numbers and numeric strings pass through to the float validation."""
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        return _DURATION.validate_python(value.strip()).total_seconds()
    return value


Seconds = Annotated[float, BeforeValidator(_seconds), Field(gt=0)]


class PaymentSettings(BaseSettings):
    """Everything the payment connector (callback receiver and QUERY job) is configured with."""

    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_PAYMENT_", frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("LIENTHONG_PAYMENT_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    topic_prefix: str = ""
    source: str = "urn:lienthong:connector:payment"
    """The CloudEvents ``source`` of every event the connector publishes."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8782

    partner_code: str = "LIENTHONG"
    """``MaDoiTac``: the province's partner code at the payment platform."""
    partner_secret: SecretStr = SecretStr("lienthong-paygov-secret")
    """The shared secret ``MaXacThuc`` is computed with."""

    platform_url: str = "http://127.0.0.1:8780"
    """Base URL of the payment platform (``/oauth/token``, ``/api/paygov/QUERY``)."""
    client_id: str = "lienthong"
    client_secret: SecretStr = SecretStr("lienthong-portal-secret")
    platform_timeout: Seconds = 10.0

    query_after: Seconds = 1800.0
    """Re-query a transaction still initiated or pending this long after it was registered (30 min)."""
    give_up_after: Seconds = 3 * 24 * 3600.0
    """Stop re-querying and publish it failed (reason ``expired``) this long after registration (3 days)."""
    query_interval: Seconds = 60.0
    """How often the QUERY job looks for transactions to re-query."""

    database: Path = Path(".state/payment/payment.sqlite3")
    """The SQLite file of the transactions the connector watches and the events it published."""

    def masked(self) -> dict[str, Any]:
        """The settings for a log line; secrets stay masked."""
        return self.model_dump(mode="json")
