"""CloudEvents 1.0 JSON **structured mode**: an event as one JSON object, and pure functions to and from it.

Kafka carries events in binary mode (:mod:`contracts.envelope`); systems outside lienthong hand them over as
JSON documents, one event per document (``application/cloudevents+json``) or a JSON array of them
(``application/cloudevents-batch+json``)::

    {"specversion": "1.0", "id": "…", "source": "…", "type": "vn.gov.lienthong.dossier.status_changed.v1",
     "time": "2025-06-12T09:00:00+07:00", "subject": "000.00.20.H56-250612-0007",
     "datacontenttype": "application/json", "data": {…}}

:func:`from_structured` applies the same rules :func:`~contracts.envelope.decode` applies to a record: the
type must be registered, the data must satisfy its model (strictly, as JSON), ``subject`` — optional here,
since the data names it — must equal the data's business key, and the encoded value must fit the size limit.
``specversion``, ``id``, ``source``, ``type``, ``time`` and ``data`` are required; ``datacontenttype``, when
given, must be JSON. Other attributes (``dataschema``, ``data_base64``, extensions) are refused rather than
dropped: binary mode on Kafka would not carry them, and losing what a sender sent silently is worse than
telling it.

Every failure is a :class:`~contracts.errors.ContractError` whose message names attributes and field paths,
never input values, so it may be returned to the sender and logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, to_json

from contracts._payload import describe, json_kind, load_json, payload_error
from contracts.codes import OpaqueCode
from contracts.envelope import _RFC3339, CONTENT_TYPE, SPEC_VERSION, Envelope, _rfc3339, encode
from contracts.errors import (
    InvalidPayloadError,
    KeyMismatchError,
    NotUtf8Error,
    UnsupportedSpecVersionError,
)
from contracts.events import EventData
from contracts.registry import event_class

__all__ = [
    "ATTRIBUTES",
    "BATCH_MEDIA_TYPE",
    "EVENT_MEDIA_TYPE",
    "REQUIRED_ATTRIBUTES",
    "from_structured",
    "parse_structured",
    "to_structured",
]

EVENT_MEDIA_TYPE = "application/cloudevents+json"
"""One structured-mode event per document."""
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
"""A JSON array of structured-mode events."""

REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "data")
ATTRIBUTES = (*REQUIRED_ATTRIBUTES, "subject", "datacontenttype")
"""Every attribute a structured event may carry here."""

_ATTRIBUTE_NAME = re.compile(r"[a-z0-9_]{1,20}")  # CloudEvents attribute names, and data_base64
_CODE = TypeAdapter(OpaqueCode)


def parse_structured(body: bytes | str, *, batch: bool = False, what: str = "body") -> list[Any]:
    """The events of a structured-mode document, as JSON values not validated yet.

    A single-event document gives a list of one; a batch must be a JSON array. Raises
    :class:`~contracts.errors.NotUtf8Error` or :class:`~contracts.errors.InvalidPayloadError` for a document
    that is not UTF-8 JSON (duplicate keys and NaN/Infinity count as invalid); ``what`` names the document
    in their messages ("body", "line").
    """
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotUtf8Error(f"{what} is not valid UTF-8 (invalid byte at offset {exc.start})") from None
    else:
        text = body
    document = load_json(text, what)
    if not batch:
        return [document]
    if not isinstance(document, list):
        reason = f"a batch must be a JSON array of events, got {json_kind(document)}"
        raise InvalidPayloadError(reason, [("$", reason)])
    return document


def _refused(path: str, reason: str) -> InvalidPayloadError:
    return InvalidPayloadError(f"attribute {path} {reason}", [(path, reason)])


def _shown_name(name: str) -> str:
    return name if _ATTRIBUTE_NAME.fullmatch(name) else "<unexpected attribute>"


def _check_attributes(event: dict[str, Any]) -> None:
    unexpected = sorted({_shown_name(name) for name in event if name not in ATTRIBUTES})
    if unexpected:
        reason = (
            f"unsupported attribute(s): {', '.join(unexpected)}; only {', '.join(ATTRIBUTES)} are carried"
        )
        raise InvalidPayloadError(reason, [("$", reason)])
    missing = [name for name in REQUIRED_ATTRIBUTES if name not in event]
    if missing:
        reason = f"missing required attribute(s): {', '.join(missing)}"
        raise InvalidPayloadError(reason, [("$", reason)])
    for name in ATTRIBUTES:
        if name != "data" and name in event and not isinstance(event[name], str):
            raise _refused(name, f"must be a string, got {json_kind(event[name])}")
    if event["specversion"] != SPEC_VERSION:
        raise UnsupportedSpecVersionError(f"attribute specversion must be {SPEC_VERSION!r}")
    content_type = event.get("datacontenttype")
    if content_type is not None and content_type.split(";", 1)[0].strip().lower() != CONTENT_TYPE:
        raise _refused("datacontenttype", f"must be {CONTENT_TYPE} (data is carried as JSON)")


def _code(event: dict[str, Any], name: str) -> str:
    try:
        return _CODE.validate_python(event[name])
    except ValidationError as exc:
        raise _refused(name, describe(exc)[0][1]) from None


def _time(text: str) -> dt.datetime:
    if not _RFC3339.fullmatch(text):
        raise _refused("time", "must be an RFC 3339 timestamp with an offset (e.g. 2025-06-12T08:30:00Z)")
    try:
        return dt.datetime.fromisoformat(text.upper())
    except ValueError:
        raise _refused("time", "is not a real date and time") from None


def _data(model: type[EventData], data: Any) -> EventData:
    if not isinstance(data, dict):
        raise _refused("data", f"must be a JSON object, got {json_kind(data)}")
    try:
        value = to_json(data)
    except PydanticSerializationError:
        raise _refused("data", "holds a value that is not JSON-serialisable") from None
    try:
        # Strict JSON validation: exactly what decode() applies to the record's value on the way out.
        return model.model_validate_json(value, strict=True)
    except ValidationError as exc:
        raise payload_error(model.event_type, exc) from None


def from_structured(event: Any) -> Envelope[EventData]:
    """The envelope a structured-mode event (a parsed JSON object) carries; ContractError otherwise."""
    if not isinstance(event, dict):
        reason = f"an event must be a JSON object, got {json_kind(event)}"
        raise InvalidPayloadError(reason, [("$", reason)])
    _check_attributes(event)
    model = event_class(event["type"])
    event_id, source, time = _code(event, "id"), _code(event, "source"), _time(event["time"])
    data = _data(model, event["data"])
    subject = event.get("subject")
    if subject is not None and subject != data.business_key:
        raise KeyMismatchError(f"attribute subject does not equal the data's {model.key_field}")
    envelope: Envelope[EventData] = Envelope(id=event_id, source=source, time=time, data=data)
    encode(envelope)  # the size limit of the record it becomes
    return envelope


def to_structured(envelope: Envelope[Any]) -> dict[str, Any]:
    """The structured-mode JSON object of ``envelope`` (``json.dumps`` it to send it)."""
    return {
        "specversion": SPEC_VERSION,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": _rfc3339(envelope.time),
        "subject": envelope.subject,
        "datacontenttype": CONTENT_TYPE,
        "data": json.loads(envelope.data.model_dump_json()),
    }
