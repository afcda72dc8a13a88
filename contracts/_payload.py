"""Reading a record's value: strict JSON to an object, and pydantic errors turned into safe, precise problems.

A problem is ``(path, reason)``: the path is built from the error location (``components[0].code``), the
reason from the error message. The offending input is never used, and location parts that came from the input
itself (an unknown key) are shown only when they look like a field name — so no personal data reaches a
message.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from pydantic import ValidationError

from contracts.errors import InvalidPayloadError

__all__ = ["MAX_LISTED_PROBLEMS", "describe", "json_kind", "load_json", "load_object", "payload_error"]

MAX_LISTED_PROBLEMS = 10
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Error types whose messages are written by these contracts; pydantic's own messages may quote the input.
_OWN_PREFIXES = (
    "agency",
    "amount",
    "applicant",
    "citizen",
    "dossier",
    "enterprise",
    "old_id",
    "opaque",
    "payment",
    "personal",
    "phone",
    "portal",
    "procedure",
    "supplement",
    "text",
    "timestamp",
)


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateKeyError(_part(name))
        result[name] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str, what: str = "value") -> Any:
    """Parse ``text`` as one JSON document (no duplicate keys, no NaN/Infinity) or raise InvalidPayloadError.

    ``what`` names the document in messages ("value", "body").
    """
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise InvalidPayloadError(f"{what} is {reason}", [("$", reason)]) from None
    except _DuplicateKeyError as exc:
        reason = f"duplicate key {exc} in a JSON object"
        raise InvalidPayloadError(f"{what} has a {reason}", [("$", reason)]) from None
    except RecursionError:
        raise InvalidPayloadError(f"{what} is nested too deeply", [("$", "nested too deeply")]) from None
    except ValueError as exc:
        raise InvalidPayloadError(f"{what} is not valid JSON: {exc}", [("$", str(exc))]) from None


def json_kind(document: Any) -> str:
    """How a message names the kind of a JSON value: "an array", "a string", …"""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(document), "a number")


def load_object(text: str) -> dict[str, Any]:
    """Parse ``text`` as one JSON object (no duplicate keys, no NaN/Infinity) or raise InvalidPayloadError."""
    document = load_json(text)
    if not isinstance(document, dict):
        reason = f"must be a JSON object, got {json_kind(document)}"
        raise InvalidPayloadError(f"value {reason}", [("$", reason)])
    return document


def _part(name: object) -> str:
    if isinstance(name, int):
        return f"[{name}]"
    text = str(name)
    return text if _FIELD_NAME.fullmatch(text) else "<unexpected key>"


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        shown = _part(part)
        path += shown if shown.startswith("[") or not path else f".{shown}"
    return path or "$"


def describe(exc: ValidationError) -> list[tuple[str, str]]:
    """The ``(path, reason)`` problems of a validation error, without the input values."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False, include_context=False):
        reason = error["msg"]
        value = error.get("input")
        own = error["type"].startswith(_OWN_PREFIXES)
        if not own and isinstance(value, str) and len(value) >= 3 and value in reason:
            reason = reason.replace(value, "<input>")
        problems.append((_path(error["loc"]), reason))
    return problems


def payload_error(event_type: str, exc: ValidationError) -> InvalidPayloadError:
    """An :class:`InvalidPayloadError` listing each problem as ``path: reason``."""
    problems = describe(exc)
    listed = "; ".join(f"{path}: {reason}" for path, reason in problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    suffix = f"; and {more} more" if more > 0 else ""
    return InvalidPayloadError(f"invalid {event_type} data: {listed}{suffix}", problems)
