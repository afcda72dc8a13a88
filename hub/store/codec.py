"""How both adapters turn column values into the port's records and back.

Rows come in the column order of :mod:`hub.store.statements`; each adapter passes how it reads a timestamp
column (PostgreSQL hands back ``datetime``, SQLite the text it stored).

Kafka header values are bytes. The outbox keeps them as a JSON array of ``[name, value]`` pairs, in order and
with repeated names kept: ``value`` is the text when the bytes are UTF-8 (every CloudEvents header is), else
``{"base64": "…"}``, so any record — a replayed dead letter with odd headers included — reads back exactly.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from hub.store.errors import StoreCorruptError
from hub.store.records import FindingRecord, OutboxMessage, PendingMessage, StoredEntry, StoredState

__all__ = [
    "decode_headers",
    "encode_headers",
    "entry_from_row",
    "finding_from_row",
    "pending_from_row",
    "state_from_row",
    "utc",
]

Row = Sequence[Any]
TimeReader = Callable[[Any], dt.datetime]


def encode_headers(headers: tuple[tuple[str, bytes], ...]) -> str:
    pairs: list[list[Any]] = []
    for name, value in headers:
        try:
            pairs.append([name, value.decode("utf-8")])
        except UnicodeDecodeError:
            pairs.append([name, {"base64": base64.b64encode(value).decode("ascii")}])
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    try:
        pairs = json.loads(text)
        if not isinstance(pairs, list):
            raise TypeError("not a list")
        decoded: list[tuple[str, bytes]] = []
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise TypeError("not a [name, value] pair")
            name, value = pair
            if isinstance(value, str):
                decoded.append((name, value.encode("utf-8")))
            else:
                decoded.append((name, base64.b64decode(value["base64"], validate=True)))
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise StoreCorruptError("an outbox row's headers are not the JSON the store writes") from exc
    return tuple(decoded)


def utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; refuses a naive datetime (its instant is unknown)."""
    if value.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(dt.UTC)


def entry_from_row(row: Row, time: TimeReader) -> StoredEntry:
    return StoredEntry(dossier_code=row[0], entry_json=row[1], version=int(row[2]), updated_at=time(row[3]))


def state_from_row(row: Row, time: TimeReader) -> StoredState:
    return StoredState(name=row[0], value_json=row[1], version=int(row[2]), updated_at=time(row[3]))


def finding_from_row(row: Row, time: TimeReader) -> FindingRecord:
    return FindingRecord(
        finding_id=row[0],
        subject=row[1],
        type=row[2],
        state=row[3],
        detail=row[4],
        opened_at=time(row[5]),
        healed_at=None if row[6] is None else time(row[6]),
        data_json=row[7],
    )


def pending_from_row(row: Row, time: TimeReader) -> PendingMessage:
    key = None if row[2] is None else bytes(row[2])
    message = OutboxMessage(topic=row[1], key=key, value=bytes(row[3]), headers=decode_headers(row[4]))
    return PendingMessage(id=int(row[0]), message=message, created_at=time(row[5]))
