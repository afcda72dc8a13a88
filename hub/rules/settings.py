"""The knobs of the pure rules: service levels, grace periods and memory bounds, passed in as one value.

The rules read no environment and no clock; the hub's deployable settings build a :class:`RuleSettings`
once and hand it to every call, so tests pin each knob explicitly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DEFAULT_SETTINGS", "HUB_SOURCE", "RuleSettings"]

HUB_SOURCE = "urn:lienthong:hub"
"""The CloudEvents ``source`` of the commands the hub publishes."""


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """Service levels and bounds the rules apply."""

    source: str = HUB_SOURCE
    """``ce_source`` of the sync commands the rules produce."""
    sync_sla: dt.timedelta = dt.timedelta(minutes=15)
    """How long the portal may take to acknowledge a revision before it counts as missing or mismatched.
    The index scores "synced in real time"; fifteen minutes leaves room for the connector's retries and a
    portal overload without hiding a real outage."""
    resync_interval: dt.timedelta = dt.timedelta(minutes=15)
    """The least time between two sync commands for the same revision: a periodic check must not flood a
    portal that is already struggling."""
    outage_retry_interval: dt.timedelta = dt.timedelta(minutes=2)
    """How long after the portal connector gave up on an outage (a retriable failure) the periodic check sends
    the revision again — sooner than the SLA, which is for commands that are merely slow."""
    drift_check_interval: dt.timedelta = dt.timedelta(hours=6)
    """How long the portal's word on a dossier in step (its acknowledgement, or the last lookup) is trusted
    before the drift check looks the dossier up again: the portal's own operators and other writers change
    records the hub never hears about, and four lookups a dossier a day cost the portal little."""
    drift_lookup_timeout: dt.timedelta = dt.timedelta(minutes=15)
    """How long a lookup request may go unanswered before the dossier is asked about again: the portal
    connector publishes nothing for a lookup it could not make (an outage), so the hub asks once more."""
    park_grace: dt.timedelta = dt.timedelta(days=3)
    """How long an item addressed to an unknown agency code waits for the code to be issued before it is
    dead-lettered (registry decisions reach the hub days late at worst)."""
    unknown_payment_grace: dt.timedelta = dt.timedelta(days=3)
    """How long a payment for an unknown dossier waits for the dossier before an operator is asked; the
    payment platform's own reconciliation runs for three days."""
    max_applied_ids: int = 1024
    """Event ids remembered per dossier for idempotence. A dossier sees a few dozen events in its life;
    beyond the bound the oldest are forgotten and content-level checks still recognise a re-delivery."""
    max_history: int = 256
    """Status records kept per dossier (applied and regressed), oldest dropped first."""

    def __post_init__(self) -> None:
        if self.max_applied_ids < 1 or self.max_history < 1:
            raise ValueError("max_applied_ids and max_history must be at least 1")
        durations: tuple[str, ...] = (
            "sync_sla",
            "resync_interval",
            "outage_retry_interval",
            "drift_check_interval",
            "drift_lookup_timeout",
            "park_grace",
        )
        for name in (*durations, "unknown_payment_grace"):
            if getattr(self, name) < dt.timedelta(0):
                raise ValueError(f"{name} must not be negative")


DEFAULT_SETTINGS = RuleSettings()
