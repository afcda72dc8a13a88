"""Where the local Kafka runtime keeps its jars and its state, and which Kafka version it runs.

Read from the environment (``LIENTHONG_`` prefix) when a :class:`RuntimeSettings` is built, never at import:

- ``LIENTHONG_CACHE_DIR``: the jar cache, shared by every checkout (default ``~/.cache/lienthong``);
- ``LIENTHONG_STATE_DIR``: configs, data, logs and pid files of the running brokers (default ``./.state``,
  relative to the working directory, so each checkout run from its root gets its own broker);
- ``LIENTHONG_KAFKA_VERSION``: the Kafka release to run (default :data:`DEFAULT_VERSION`).

Relative paths are made absolute against the working directory at construction, so a settings object keeps
pointing at the same place when the process later changes directory.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from deploy.kafka.versions import DEFAULT_VERSION

__all__ = ["RuntimeSettings"]


class RuntimeSettings(BaseSettings):
    """Locations and version of the local Kafka runtime."""

    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_", env_ignore_empty=True, frozen=True, extra="ignore", validate_default=True
    )

    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "lienthong")
    state_dir: Path = Path(".state")
    kafka_version: str = DEFAULT_VERSION

    @field_validator("cache_dir", "state_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @property
    def kafka_dir(self) -> Path:
        """The part of the state directory that belongs to Kafka."""
        return self.state_dir / "kafka"
