"""Counters of one connector process: what it did, for logs, tests and (later) metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["ConnectorStats"]


@dataclass(slots=True)
class ConnectorStats:
    """Plain counters; one task updates each, so no locking is needed on the event loop."""

    commands: int = 0
    completed: int = 0
    failed: int = 0
    lookups: int = 0
    lookups_failed: int = 0
    """Lookups the portal did not answer within the retries (no outcome published)."""
    dead_lettered: int = 0
    parked: int = 0
    """Syncs moved into a retry tier (each climb counts once)."""
    held: int = 0
    """Commands forwarded behind their dossier's parked one."""
    tier_completed: int = 0
    """Syncs completed from a retry tier."""
    commits: int = 0
    publish_backoffs: int = 0
    submissions_published: int = 0
    submissions_dead_lettered: int = 0
    submission_pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
