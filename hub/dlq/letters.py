"""A dead letter as the operator's tool sees it: where it lies, what it was, and why it was set aside.

A dead letter is the original record — key, value and headers byte for byte — followed by ``dlq_*`` context
headers (``hub.app.dead_letters``, ``connectors.portal.dead_letters``)::

    dlq_reason, dlq_reason_code?, dlq_error_class, dlq_original_topic, dlq_original_partition,
    dlq_original_offset, dlq_original_timestamp?, dlq_consumer_group, dlq_attempts?,
    dlq_first_failure_at, dlq_last_failure_at?            (? = may be absent; so may any other, tolerated)

:func:`letter_of` splits a consumed record into the original headers and the context, and derives what the
operator filters and counts by: the reason key, the dossier code and the agency.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.codes import agency_code_problem, parse_dossier_code
from hub.dlq.errors import InvalidLetterIdError
from hub.dlq.masking import mask_text

__all__ = [
    "DLQ_HEADER_PREFIX",
    "DLQ_SUFFIX",
    "DeadLetter",
    "Headers",
    "LetterId",
    "letter_of",
    "original_headers",
]

DLQ_SUFFIX = ".dlq"
DLQ_HEADER_PREFIX = "dlq_"
UNKNOWN = "unknown"

Headers = tuple[tuple[str, bytes | None], ...]

_ID = re.compile(r"([A-Za-z0-9._-]{1,249}):([0-9]{1,10}):([0-9]{1,19})")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_SOURCE_LIMIT = 64


@dataclass(frozen=True, slots=True, order=True)
class LetterId:
    """A dead letter's coordinates in its dead-letter topic, written ``TOPIC:PARTITION:OFFSET``."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str) -> LetterId:
        """``lienthong.dossier.events.v1.dlq:2:41`` → ``LetterId(…, 2, 41)``."""
        found = _ID.fullmatch(text.strip())
        if found is None:
            shown = text if len(text) <= 80 else f"{text[:77]}…"
            raise InvalidLetterIdError(
                f"{shown!r} is not a dead letter's id: expected TOPIC:PARTITION:OFFSET, "
                "e.g. lienthong.dossier.events.v1.dlq:0:42"
            )
        topic, partition, offset = found.groups()
        return cls(sys.intern(topic), int(partition), int(offset))


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead letter: the original record, its ``dlq_*`` context, and what is derived from them."""

    id: LetterId
    timestamp: dt.datetime | None
    """When it was dead-lettered (the dead letter's Kafka timestamp)."""
    key: bytes | None
    value: bytes | None
    headers: Headers
    """The original headers, in order, without the ``dlq_*`` ones."""
    context: Mapping[str, str]
    """The ``dlq_*`` headers, decoded (the last one wins if a name repeats)."""
    dossier_code: str | None
    agencies: tuple[str, ...]
    """Every agency identity the record names — ``ce_source``, the dossier code's agency part, an agency
    code as key — the first one is the one it is counted under."""

    @property
    def agency(self) -> str:
        return self.agencies[0] if self.agencies else UNKNOWN

    @property
    def reason(self) -> str:
        """What was wrong, as the writer put it (no personal data by the writers' contract)."""
        return self.context.get("dlq_reason", "")

    @property
    def error_class(self) -> str:
        return self.context.get("dlq_error_class", "")

    @property
    def reason_code(self) -> str:
        """``dlq_reason_code`` when written; else the error class in snake case (the hub's rule for it)."""
        code = self.context.get("dlq_reason_code", "").strip()
        if code:
            return code
        name = self.error_class.strip().removesuffix("Error")
        return _CAMEL.sub("_", name).lower() if name else UNKNOWN

    @property
    def original_topic(self) -> str:
        """``dlq_original_topic``; for a record not read from Kafka, the dead-letter topic's source topic."""
        named = self.context.get("dlq_original_topic", "").strip()
        return named or self.id.topic.removesuffix(DLQ_SUFFIX)

    @property
    def original_partition(self) -> int | None:
        return _integer(self.context.get("dlq_original_partition"))

    @property
    def original_offset(self) -> int | None:
        return _integer(self.context.get("dlq_original_offset"))

    @property
    def attempts(self) -> int | None:
        return _integer(self.context.get("dlq_attempts"))

    def header(self, name: str) -> str | None:
        """An original header decoded as UTF-8 (the last one if repeated), or ``None`` when absent."""
        found = None
        for header_name, raw in self.headers:
            if header_name == name:
                found = _text(raw)
        return found

    @property
    def event_id(self) -> str | None:
        return self.header("ce_id")


def _integer(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    return int(text.strip())


def _text(raw: bytes | None) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


def original_headers(headers: Sequence[tuple[str, bytes | None]]) -> Headers:
    """``headers`` without the ``dlq_*`` ones: what the original record carried."""
    return tuple((name, raw) for name, raw in headers if not name.startswith(DLQ_HEADER_PREFIX))


def _is_agency(text: str) -> bool:
    return bool(text) and agency_code_problem(text) is None


def _dossier_code(*candidates: str | None) -> str | None:
    for candidate in candidates:
        if not candidate:
            continue
        try:
            parse_dossier_code(candidate)
        except ValueError:
            continue
        return candidate
    return None


def _agencies(source: str | None, dossier_code: str | None, key: str | None) -> tuple[str, ...]:
    found: list[str] = []
    if source and _is_agency(source):
        found.append(source)
    if dossier_code:
        found.append(parse_dossier_code(dossier_code).agency_code)
    if key and _is_agency(key):
        found.append(key)
    if source and not found:  # a connector's identity, say: better than nothing to count by
        found.append(mask_text(source[:_SOURCE_LIMIT]))
    return tuple(dict.fromkeys(found))


def letter_of(record: Any) -> DeadLetter:
    """The dead letter a consumed record (aiokafka's ``ConsumerRecord``) of a dead-letter topic holds."""
    headers: Sequence[tuple[str, bytes | None]] = record.headers or ()
    context = {name: _text(raw) for name, raw in headers if name.startswith(DLQ_HEADER_PREFIX)}
    originals = original_headers(headers)
    timestamp = (
        dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC)
        if record.timestamp is not None and record.timestamp >= 0
        else None
    )
    key_text = None if record.key is None else record.key.decode("utf-8", "replace")
    subject = next((_text(raw) for name, raw in reversed(originals) if name == "ce_subject"), None)
    source = next((_text(raw) for name, raw in reversed(originals) if name == "ce_source"), None)
    dossier_code = _dossier_code(key_text, subject)
    return DeadLetter(
        id=LetterId(record.topic, record.partition, record.offset),
        timestamp=timestamp,
        key=record.key,
        value=record.value,
        headers=originals,
        context=context,
        dossier_code=dossier_code,
        agencies=_agencies(source, dossier_code, key_text),
    )
