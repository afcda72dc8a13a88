"""A dead letter shown to an operator: headers decoded, the value decoded and masked, nothing personal in
clear.

A value that decodes as the CloudEvent its original headers announce (:func:`contracts.decode`) is shown as
that event with its data passed through :func:`contracts.privacy.redacted`. Anything else — usually the
reason it is a dead letter — is shown as its length, why it does not decode, and a short masked preview
(:mod:`hub.dlq.masking`). Keys and header values are masked the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from contracts import ContractError, decode
from contracts.privacy import redacted
from hub.dlq.counts import age_bucket
from hub.dlq.letters import DeadLetter
from hub.dlq.masking import mask_text, preview

__all__ = ["letter_view", "value_view"]


def _shown(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    found = preview(raw)
    return found.text if found.kind != "hex" else f"<{found.length} bytes, not text: {found.text}>"


def value_view(letter: DeadLetter) -> dict[str, Any]:
    """The value: the redacted event when it decodes, else length, problem and masked preview."""
    length = 0 if letter.value is None else len(letter.value)
    try:
        event = decode(letter.key, letter.value, letter.headers)
    except ContractError as exc:
        found = preview(letter.value)
        return {
            "decodes": False,
            "length": length,
            "problem": mask_text(exc.message),
            "preview_kind": found.kind,
            "preview": found.text,
        }
    return {
        "decodes": True,
        "length": length,
        "event": {
            "id": event.id,
            "source": event.source,
            "type": event.type,
            "time": event.time.isoformat(),
            "subject": event.subject,
            "data": redacted(event.data),
        },
    }


def letter_view(
    letter: DeadLetter,
    *,
    now: dt.datetime,
    replayed_to: Iterable[str] = (),
    discarded: bool = False,
) -> dict[str, Any]:
    """Everything shown about one dead letter, as JSON data with personal data masked."""
    return {
        "id": str(letter.id),
        "dead_lettered_at": letter.timestamp.isoformat() if letter.timestamp else None,
        "age": age_bucket(letter.timestamp, now),
        "original_topic": letter.original_topic,
        "reason_code": letter.reason_code,
        "reason": mask_text(letter.reason),
        "agency": letter.agency,
        "dossier_code": letter.dossier_code,
        "replayed_to": sorted(replayed_to),
        "discarded": discarded,
        "context": {name: mask_text(text) for name, text in letter.context.items()},
        "key": _shown(letter.key),
        "headers": [[name, _shown(raw)] for name, raw in letter.headers],
        "value": value_view(letter),
    }
