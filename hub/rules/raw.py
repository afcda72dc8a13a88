"""A consumed Kafka record kept byte for byte inside a rule value, to dead-letter or apply it later.

The rules never look inside the bytes: a parked submission keeps its record so that its dead letter carries
the original key, value and headers exactly (an envelope encoded again is equal, not identical), and a held
event keeps its record so that it is decoded and applied when its dossier is released. Bytes travel as
base64 in the stored JSON.
"""

from __future__ import annotations

from pydantic import ConfigDict

from hub.rules._model import RuleModel

__all__ = ["RawRecord"]


class RawRecord(RuleModel):
    """Where a record was read, and its key, value and headers as they were."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    """The record's Kafka timestamp (milliseconds since the epoch), when it had one."""
    key: bytes | None = None
    value: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
