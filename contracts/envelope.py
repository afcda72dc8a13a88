"""The CloudEvents 1.0 envelope in Kafka binary mode, and the pure functions between it and a Kafka record.

A record carries the event's attributes as headers and its data as the value::

    key      the business key (dossier code, or agency code for identity events), UTF-8
    value    the event data as compact JSON, UTF-8
    headers  ce_specversion "1.0", ce_id, ce_source, ce_type, ce_time (RFC 3339), ce_subject,
             content-type "application/json"

``subject`` is always the business key, so key, subject and the data agree; :func:`decode` checks that they
do. Both functions are pure: no broker, no clock (except the defaults of a new :class:`Envelope`).

:func:`decode` accepts any bytes and either returns an :class:`Envelope` or raises a
:class:`~contracts.errors.ContractError`. It checks, in order: value present and within the size limit;
headers (UTF-8, present, not duplicated, spec version, content type, known type, id/source/time); the key
against ``ce_subject``; the value (UTF-8, a JSON object, the event type's model); ``ce_subject`` against the
data.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from contracts._payload import describe, load_object, payload_error
from contracts.codes import OpaqueCode
from contracts.errors import (
    InvalidHeaderError,
    InvalidPayloadError,
    KeyMismatchError,
    MissingHeaderError,
    NotUtf8Error,
    PayloadTooLargeError,
    UnknownEventTypeError,
    UnsupportedSpecVersionError,
)
from contracts.events import EventData
from contracts.registry import event_class
from contracts.timestamps import Timestamp

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_MAX_VALUE_BYTES",
    "SPEC_VERSION",
    "Envelope",
    "KafkaRecord",
    "decode",
    "encode",
]

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
DEFAULT_MAX_VALUE_BYTES = 512 * 1024
"""The largest value :func:`encode` produces and :func:`decode` accepts (512 KiB)."""

_REQUIRED_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_subject",
    "content-type",
)
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_ONE_MINUTE = dt.timedelta(minutes=1)

DataT = TypeVar("DataT", bound=EventData)


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Envelope(BaseModel, Generic[DataT]):
    """A CloudEvent: its attributes and its data. ``type`` and ``subject`` come from the data."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    specversion: ClassVar[str] = SPEC_VERSION

    id: OpaqueCode = Field(default_factory=_new_id)
    """Unique per event from one source; a UUID unless given."""
    source: OpaqueCode
    """Who published: the publishing agency's identity code, or a connector identity."""
    time: Timestamp = Field(default_factory=_now)
    """When the event occurred."""
    data: DataT

    @property
    def type(self) -> str:
        """The CloudEvents type, e.g. ``vn.gov.lienthong.dossier.status_changed.v1``."""
        return self.data.event_type

    @property
    def subject(self) -> str:
        """The business key: dossier code, or agency code for identity events."""
        return self.data.business_key


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """What goes to (or came from) Kafka: key, value and headers as bytes."""

    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def _rfc3339(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None or offset % _ONE_MINUTE:
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def encode(envelope: Envelope[DataT], *, max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES) -> KafkaRecord:
    """The Kafka record of ``envelope`` in CloudEvents binary mode (deterministic for equal envelopes)."""
    if event_class(envelope.type) is not type(envelope.data):
        msg = f"{type(envelope.data).__name__} is not the registered class of {envelope.type}"
        raise UnknownEventTypeError(msg)
    value = envelope.data.model_dump_json().encode()
    if len(value) > max_value_bytes:
        msg = f"{envelope.type} data is {len(value)} bytes as JSON; the limit is {max_value_bytes} bytes"
        raise PayloadTooLargeError(msg)
    headers = (
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", envelope.id.encode()),
        ("ce_source", envelope.source.encode()),
        ("ce_type", envelope.type.encode()),
        ("ce_time", _rfc3339(envelope.time).encode()),
        ("ce_subject", envelope.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    )
    return KafkaRecord(key=envelope.subject.encode(), value=value, headers=headers)


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8Error(f"{what} is not valid UTF-8 (invalid byte at offset {exc.start})") from None


def _read_headers(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, raw in headers:
        if name not in _REQUIRED_HEADERS:
            continue
        if name in found:
            raise InvalidHeaderError(f"header {name} appears more than once")
        if raw is None:
            raise InvalidHeaderError(f"header {name} has no value")
        found[name] = _utf8(raw, f"header {name}")
    missing = [name for name in _REQUIRED_HEADERS if name not in found]
    if missing:
        raise MissingHeaderError(missing)
    return found


_CODE = TypeAdapter(OpaqueCode)


def _attribute(found: dict[str, str], name: str) -> str:
    try:
        return _CODE.validate_python(found[name])
    except ValidationError as exc:
        raise InvalidHeaderError(f"header {name}: {describe(exc)[0][1]}") from None


def _time(text: str) -> dt.datetime:
    if not _RFC3339.fullmatch(text):
        raise InvalidHeaderError(
            "header ce_time must be an RFC 3339 timestamp with an offset (e.g. 2025-06-12T08:30:00Z)"
        )
    try:
        return dt.datetime.fromisoformat(text.upper())
    except ValueError:
        raise InvalidHeaderError("header ce_time is not a real date and time") from None


def _check_media_type(text: str) -> None:
    media_type = text.split(";", 1)[0].strip().lower()
    if media_type != CONTENT_TYPE:
        raise InvalidHeaderError(f"header content-type must be {CONTENT_TYPE} in binary mode")


def decode(
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    *,
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
) -> Envelope[EventData]:
    """The envelope a Kafka record carries; :class:`~contracts.errors.ContractError` for anything else."""
    if value is None:
        raise InvalidPayloadError("record has no value (a tombstone); every event carries data")
    if len(value) > max_value_bytes:
        raise PayloadTooLargeError(f"value is {len(value)} bytes; the limit is {max_value_bytes} bytes")
    found = _read_headers(headers)
    if found["ce_specversion"] != SPEC_VERSION:
        raise UnsupportedSpecVersionError(f"header ce_specversion must be {SPEC_VERSION!r}")
    _check_media_type(found["content-type"])
    model = event_class(found["ce_type"])
    event_id, source, time = (
        _attribute(found, "ce_id"),
        _attribute(found, "ce_source"),
        _time(found["ce_time"]),
    )
    subject = found["ce_subject"]
    if key is None:
        raise KeyMismatchError("record has no key; the key must equal ce_subject (the business key)")
    if key != subject.encode():
        raise KeyMismatchError("record key does not equal header ce_subject")
    load_object(_utf8(value, "value"))
    try:
        data = model.model_validate_json(value, strict=True)
    except ValidationError as exc:
        raise payload_error(model.event_type, exc) from None
    if data.business_key != subject:
        raise KeyMismatchError(f"header ce_subject does not equal the data's {model.key_field}")
    return Envelope(id=event_id, source=source, time=time, data=data)
