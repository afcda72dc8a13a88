"""The payment connector's counters, and their Prometheus text exposition (``GET /metrics``).

Counters live in memory and start at zero with the process, as Prometheus counters do; the gauge of watched
transactions by state is read from the state file when scraped. Labels are fixed vocabularies (results,
event types, states): never a reference, a dossier code or anything about a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from enum import StrEnum

__all__ = ["CallbackResult", "Metrics", "QueryResult"]


class CallbackResult(StrEnum):
    """What became of one callback."""

    ACCEPTED = "accepted"
    """Verified and published (Kafka acknowledged it)."""
    DUPLICATE = "duplicate"
    """Verified; its event was already published (an identical copy, or the QUERY job was first)."""
    SIGNATURE = "rejected_signature"
    """``MaXacThuc`` does not verify: forged, tampered, a signed field missing, another secret."""
    MALFORMED = "rejected_malformed"
    """Not a JSON object, or signed values that are not valid (amount, dossier code, time)."""
    PARTNER = "rejected_partner"
    """Another partner's code."""
    UNKNOWN = "rejected_unknown_reference"
    """A reference the connector was never told about (``POST /paygov/transactions``)."""
    MISMATCH = "rejected_mismatch"
    """Amount or dossier code differ from the registered transaction."""
    UNAVAILABLE = "unavailable"
    """Kafka did not acknowledge; the platform is asked to retry."""


class QueryResult(StrEnum):
    """What one QUERY of the job found."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    EXPIRED = "expired"
    ERROR = "error"


_HELP = {
    "lienthong_payment_callbacks_total": "Payment platform callbacks received, by result.",
    "lienthong_payment_registrations_total": "Transactions registered by the provincial system, by result.",
    "lienthong_payment_events_published_total": "Payment events Kafka acknowledged, by outcome.",
    "lienthong_payment_queries_total": "QUERY calls of the re-query job, by what they found.",
    "lienthong_payment_watched_transactions": "Transactions in the state file, by state.",
}


class Metrics:
    """Counters by family and label value."""

    def __init__(self) -> None:
        self.callbacks: Counter[str] = Counter()
        self.registrations: Counter[str] = Counter()
        self.published: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()

    def render(self, watched: Mapping[str, int]) -> str:
        """The Prometheus text format (version 0.0.4)."""
        families: list[tuple[str, str, str, Mapping[str, int]]] = [
            (
                "lienthong_payment_callbacks_total",
                "counter",
                "result",
                self._all(self.callbacks, CallbackResult),
            ),
            ("lienthong_payment_registrations_total", "counter", "result", self.registrations),
            ("lienthong_payment_events_published_total", "counter", "outcome", self.published),
            ("lienthong_payment_queries_total", "counter", "result", self._all(self.queries, QueryResult)),
            ("lienthong_payment_watched_transactions", "gauge", "state", watched),
        ]
        lines: list[str] = []
        for name, kind, label, values in families:
            lines += [f"# HELP {name} {_HELP[name]}", f"# TYPE {name} {kind}"]
            lines += [f'{name}{{{label}="{value}"}} {count}' for value, count in sorted(values.items())]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _all(counter: Counter[str], vocabulary: type[StrEnum]) -> dict[str, int]:
        """Every label value of the vocabulary, zeros included, so a scrape shows what can be counted."""
        return {str(value): counter[str(value)] for value in vocabulary}
