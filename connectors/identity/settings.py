"""Settings of the identity connector: one frozen class, environment prefix ``LIENTHONG_IDENTITY_``.

The Kafka bootstrap address also comes from the plain ``KAFKA_BOOTSTRAP_SERVERS`` every lienthong process
reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["IdentitySettings"]


class IdentitySettings(BaseSettings):
    """Everything the registry import is configured with."""

    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_IDENTITY_", frozen=True, extra="forbid", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "LIENTHONG_IDENTITY_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    topic_prefix: str = ""
    source: str = "urn:lienthong:connector:identity"
    """The CloudEvents ``source`` of every event the connector publishes."""
    state_file: Path = Path(".state/identity/imported.json")
    """The processed-state file: what was published, and where each code stands."""
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500

    def masked(self) -> dict[str, Any]:
        """The settings for a log line (there are no secrets here)."""
        return self.model_dump(mode="json")
