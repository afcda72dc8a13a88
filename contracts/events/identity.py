"""Agency identity-code events: a registry decision issued, amended or closed a code.

Each event carries the code's full record after the decision and the decision itself (number, date, issuer),
as the provinces' shared catalogues expose them. A closed code is never reused; its successor receives what
was addressed to it (Decision 09/2025/QĐ-TTg: a merged province keeps the code of the province whose name it
takes).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Self

from pydantic import Field, StrictInt, model_validator

from contracts.codes import AgencyCode, agency_level
from contracts.codes._problem import invalid
from contracts.events.base import TYPE_PREFIX, ContractModel, EventData
from contracts.text import VietnameseText

__all__ = ["AgencyCodeAmended", "AgencyCodeClosed", "AgencyCodeEvent", "AgencyCodeIssued", "IssuingDecision"]


class IssuingDecision(ContractModel):
    """The decision (quyết định) that issued, amended or closed a code."""

    number: VietnameseText
    """Số quyết định, e.g. ``1234/QĐ-UBND``."""
    date: dt.date
    """The date the decision was signed."""
    issuer: VietnameseText
    """Who signed it, e.g. ``Ủy ban nhân dân tỉnh Cao Bằng``."""


class AgencyCodeEvent(EventData):
    """What every identity-code event carries: the code's record and the decision behind the change."""

    key_field: ClassVar[str] = "code"

    code: AgencyCode
    """The agency identity code: the Kafka key and event subject."""
    name: VietnameseText
    """The body's name after the decision."""
    parent_code: AgencyCode | None = None
    """The body it belongs to; absent at level 1."""
    level: Annotated[StrictInt, Field(ge=1, le=4)]
    """1-4; must agree with the code (``000.00.20.H56`` is level 2; short forms count as level 2)."""
    address: VietnameseText | None = None
    decision: IssuingDecision

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        expected = agency_level(self.code)
        if self.level != expected:
            raise invalid(
                "agency_level", f"level {self.level} does not match code '{self.code}' (level {expected})"
            )
        if self.parent_code is not None:
            if self.level == 1:
                raise invalid("agency_parent", "a level-1 body has no parent_code")
            if self.parent_code == self.code:
                raise invalid("agency_parent", "parent_code must differ from code")
        return self


class AgencyCodeIssued(AgencyCodeEvent):
    """A registry decision issued a new agency identity code."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}identity.issued.v1"


class AgencyCodeAmended(AgencyCodeEvent):
    """A registry decision amended an existing code's record (name, parent, address)."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}identity.amended.v1"


class AgencyCodeClosed(AgencyCodeEvent):
    """A registry decision closed a code; events addressed to it go to its successor from now on."""

    event_type: ClassVar[str] = f"{TYPE_PREFIX}identity.closed.v1"

    successor_code: AgencyCode
    """The code that takes over (required: a closed code must route somewhere)."""

    @model_validator(mode="after")
    def _has_other_successor(self) -> Self:
        if self.successor_code == self.code:
            raise invalid("agency_successor", "successor_code must differ from the closed code")
        return self
