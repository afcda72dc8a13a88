"""The base of the rules' own records: immutable and closed, so a persisted record reads back exactly."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["RuleModel"]


class RuleModel(BaseModel):
    """A value the rules return and the state store persists as JSON: frozen, unknown fields refused.

    Collections inside are tuples (never lists or dicts), so a record cannot change under a caller's feet and
    two equal records compare equal.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)
