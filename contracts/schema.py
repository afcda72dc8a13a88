"""JSON Schema export of the event types, and the committed schema history the compatibility check reads.

Layout of ``contracts/schemas/`` (committed)::

    <event type>.json                   the current schema of each registered event type
    history/<event type>/<n>.json       every released revision, 1, 2, …; append-only
    asyncapi.json                       the AsyncAPI document (written by ``deploy.asyncapi``)

:func:`export` writes the current schemas and, when an event type's schema changed, appends it to its history
as the next revision — after checking it is backward compatible with every revision already there
(:func:`check`); a breaking change is refused with :class:`~contracts.errors.IncompatibleSchemaError`. A
change consumers cannot absorb needs a new event type (``….v2``) instead. Retiring an event type deliberately
means deleting its history directory in the same change; until then :func:`check` reports it as a breaking
removal.

Files are deterministic: keys sorted, two-space indent, UTF-8, one trailing newline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.compatibility import BreakingChange, check_transitive
from contracts.errors import IncompatibleSchemaError
from contracts.events import EventData
from contracts.registry import EVENT_TYPES
from contracts.topics import topic_for

__all__ = [
    "HISTORY_DIRECTORY",
    "JSON_SCHEMA_DIALECT",
    "SCHEMA_DIRECTORY",
    "check",
    "current_schemas",
    "event_schema",
    "export",
    "load_history",
    "render",
    "stale_files",
]

SCHEMA_DIRECTORY = Path(__file__).resolve().parent / "schemas"
HISTORY_DIRECTORY = "history"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def event_schema(model: type[EventData]) -> dict[str, Any]:
    """The JSON Schema of one event type's data, with its CloudEvents type and topic as annotations."""
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:lienthong:schema:{model.event_type}",
        "x-cloudevents-type": model.event_type,
        "x-kafka-topic": topic_for(model).name,
        **schema,
    }


def current_schemas() -> dict[str, dict[str, Any]]:
    """The schema of every registered event type, generated from the models now."""
    return {event_type: event_schema(model) for event_type, model in EVENT_TYPES.items()}


def render(document: Mapping[str, Any]) -> str:
    """The committed text of a schema document: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _revision_files(directory: Path, event_type: str) -> list[Path]:
    folder = directory / HISTORY_DIRECTORY / event_type
    if not folder.is_dir():
        return []
    numbered = [path for path in folder.glob("*.json") if path.stem.isdigit()]
    return sorted(numbered, key=lambda path: int(path.stem))


def load_history(directory: Path = SCHEMA_DIRECTORY) -> dict[str, dict[int, dict[str, Any]]]:
    """Every committed revision per event type by number, oldest first (including unregistered types)."""
    root = directory / HISTORY_DIRECTORY
    if not root.is_dir():
        return {}
    return {
        folder.name: {
            int(path.stem): json.loads(path.read_text(encoding="utf-8"))
            for path in _revision_files(directory, folder.name)
        }
        for folder in sorted(root.iterdir())
        if folder.is_dir()
    }


def check(
    directory: Path = SCHEMA_DIRECTORY, schemas: Mapping[str, Mapping[str, Any]] | None = None
) -> list[BreakingChange]:
    """Breaking changes of ``schemas`` (default: generated now) against every committed revision."""
    fresh = current_schemas() if schemas is None else schemas
    changes: list[BreakingChange] = []
    for event_type, revisions in load_history(directory).items():
        if not revisions:
            continue
        if event_type not in fresh:
            every = tuple(revisions)
            reason = "event type removed; records written under it can no longer be decoded"
            changes.append(BreakingChange(event_type, every, "$", reason))
            continue
        changes += check_transitive(event_type, fresh[event_type], revisions)
    return changes


def stale_files(directory: Path = SCHEMA_DIRECTORY) -> list[str]:
    """Event types whose committed current schema is missing or differs from the generated one."""
    return [
        event_type
        for event_type, schema in current_schemas().items()
        if not (path := directory / f"{event_type}.json").is_file()
        or path.read_text(encoding="utf-8") != render(schema)
    ]


def _write(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def export(directory: Path = SCHEMA_DIRECTORY) -> list[Path]:
    """Write the current schemas and append changed ones to the history; return the files written.

    Raises :class:`~contracts.errors.IncompatibleSchemaError` (writing nothing) when a schema would break
    consumers of a committed revision.
    """
    schemas = current_schemas()
    breaking = check(directory, schemas)
    if breaking:
        raise IncompatibleSchemaError(breaking)
    written: list[Path] = []
    for event_type, schema in schemas.items():
        text = render(schema)
        if _write(directory / f"{event_type}.json", text):
            written.append(directory / f"{event_type}.json")
        revisions = _revision_files(directory, event_type)
        if not revisions or json.loads(revisions[-1].read_text(encoding="utf-8")) != schema:
            number = int(revisions[-1].stem) + 1 if revisions else 1
            path = directory / HISTORY_DIRECTORY / event_type / f"{number}.json"
            _write(path, text)
            written.append(path)
    return written
