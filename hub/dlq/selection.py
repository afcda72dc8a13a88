"""Which dead letters an operation is about: ids, filters, or all of them — as data, matched purely.

Values given for one filter are alternatives (``--reason a --reason b``: either); different filters must all
hold. ``since`` is inclusive and ``until`` exclusive, both on the time the record was dead-lettered (its Kafka
timestamp). ``agency`` matches any agency identity the record names (``ce_source``, the dossier code's agency
part, an agency code as key); ``reason`` matches the reason code or the error class.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.dlq.errors import InvalidMomentError
from hub.dlq.letters import DLQ_SUFFIX, DeadLetter, LetterId

__all__ = ["VIETNAM_TIME", "Selection", "dlq_topic_name", "parse_moment", "selection_from"]

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Times written without an offset are read in Vietnam's time (UTC+7, no daylight saving)."""

_DURATION = re.compile(r"([0-9]{1,6})\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, now: dt.datetime) -> dt.datetime:
    """``90m``/``2h``/``7d``/``1w`` before ``now``, or an RFC 3339 date or time (naive: Vietnam time)."""
    cleaned = text.strip()
    duration = _DURATION.fullmatch(cleaned.lower())
    if duration is not None:
        amount, unit = duration.groups()
        return now - dt.timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = dt.datetime.fromisoformat(cleaned.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidMomentError(
            f"{cleaned[:40]!r} is neither a duration (90m, 2h, 7d, 1w) nor a date or time "
            "(2025-07-01, 2025-07-01T08:00:00+07:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM_TIME)


def dlq_topic_name(name: str, prefix: str) -> str:
    """The dead-letter topic an operator means: ``.dlq`` and the prefix added when left out."""
    topic = name.strip()
    if not topic.endswith(DLQ_SUFFIX):
        topic += DLQ_SUFFIX
    if prefix and not topic.startswith(prefix):
        topic = prefix + topic
    return topic


@dataclass(frozen=True, slots=True)
class Selection:
    """Ids and filters; empty tuples and ``None`` mean "no condition"."""

    ids: tuple[LetterId, ...] = ()
    topics: tuple[str, ...] = ()
    """Physical dead-letter topic names (see :func:`dlq_topic_name`)."""
    reasons: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    dossiers: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    everything: bool = False
    """Asked for explicitly (``--all``): nothing else selected is still a choice."""

    @property
    def has_filters(self) -> bool:
        return bool(self.topics or self.reasons or self.agencies or self.dossiers or self.since or self.until)

    @property
    def chooses(self) -> bool:
        """Whether anything was chosen at all: an id, a filter, or everything explicitly."""
        return bool(self.ids) or self.has_filters or self.everything

    def matches(self, letter: DeadLetter) -> bool:
        """Whether ``letter`` satisfies every filter (ids are not looked at: they say where to read)."""
        stamp = letter.timestamp
        failed = (
            (self.topics and letter.id.topic not in self.topics)
            or (self.reasons and not {letter.reason_code, letter.error_class} & set(self.reasons))
            or (self.agencies and not set(letter.agencies) & set(self.agencies))
            or (self.dossiers and letter.dossier_code not in self.dossiers)
            or ((self.since or self.until) and stamp is None)
            or (self.since is not None and stamp is not None and stamp < self.since)
            or (self.until is not None and stamp is not None and stamp >= self.until)
        )
        return not failed

    def describe(self) -> dict[str, Any]:
        """The selection as JSON data, only what was given (for the audit log and the answers)."""
        described: dict[str, Any] = {
            "ids": [str(letter_id) for letter_id in self.ids],
            "topics": list(self.topics),
            "reasons": list(self.reasons),
            "agencies": list(self.agencies),
            "dossiers": list(self.dossiers),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "all": self.everything,
        }
        return {name: value for name, value in described.items() if value}


def selection_from(options: Mapping[str, Any], topic_prefix: str, now: dt.datetime) -> Selection:
    """A selection from plain options (the CLI's and the HTTP API's): ``ids``, ``topics`` (source or
    dead-letter topic names, with or without the prefix), ``reasons``, ``agencies``, ``dossiers``, ``since``,
    ``until`` (RFC 3339 or a duration back from ``now``) and ``everything``.

    Raises :class:`SelectionError`."""
    return Selection(
        ids=tuple(LetterId.parse(text) for text in options.get("ids", ())),
        topics=tuple(dlq_topic_name(name, topic_prefix) for name in options.get("topics", ())),
        reasons=tuple(options.get("reasons", ())),
        agencies=tuple(options.get("agencies", ())),
        dossiers=tuple(options.get("dossiers", ())),
        since=parse_moment(options["since"], now) if options.get("since") else None,
        until=parse_moment(options["until"], now) if options.get("until") else None,
        everything=bool(options.get("everything")),
    )
