"""The base classes every contract model derives from, and the personal-data marker.

All contract models are frozen and forbid unknown fields. Event data classes name their CloudEvents ``type``
(``vn.gov.lienthong.<aggregate>.<event>.v<major>``) and the field that holds their business key, which is the
Kafka key and the CloudEvents ``subject``.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["PERSONAL_DATA", "TYPE_PREFIX", "ContractModel", "EventData"]

TYPE_PREFIX = "vn.gov.lienthong."

PERSONAL_DATA = "x-personal-data"
"""The ``json_schema_extra`` key marking fields that hold personal data (Decree 13/2023/NĐ-CP).

Names, ID numbers and phones are marked ``Field(json_schema_extra={PERSONAL_DATA: True})``; the JSON Schema
shows ``"x-personal-data": true``; :func:`contracts.privacy.personal_data_paths` lists them for masking.
"""


class ContractModel(BaseModel):
    """A value inside an event: immutable, closed to unknown fields."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
        hide_input_in_errors=True,
    )


class EventData(ContractModel):
    """The data of one event type; the envelope carries it in the Kafka record's value."""

    event_type: ClassVar[str]
    """The CloudEvents ``type``, e.g. ``vn.gov.lienthong.dossier.status_changed.v1``."""

    key_field: ClassVar[str]
    """The field holding the business key (dossier code or agency code)."""

    @property
    def business_key(self) -> str:
        """The Kafka key and CloudEvents subject: one dossier's (or agency's) events share a partition."""
        key = getattr(self, self.key_field)
        assert isinstance(key, str)
        return key
