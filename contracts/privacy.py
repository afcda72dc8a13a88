"""Finding and masking personal data in the contracts, by the ``x-personal-data`` marker on fields.

Log masking should call :func:`redacted` (or walk :func:`personal_data_paths`) instead of knowing field names,
so a new personal field is masked as soon as it is marked.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from contracts.events.base import PERSONAL_DATA

__all__ = ["REDACTED", "personal_data_paths", "redacted"]

REDACTED = "<personal data>"


def _nested_models(annotation: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """The models inside a field annotation, each with the path suffix reaching it (``[]`` per sequence)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ""
        return
    origin = get_origin(annotation)
    arguments = [arg for arg in get_args(annotation) if arg is not Ellipsis]
    if origin in (tuple, list, set, frozenset):
        for argument in arguments:
            for model, suffix in _nested_models(argument):
                yield model, f"[]{suffix}"
    elif origin in (Union, types.UnionType):
        for argument in arguments:
            yield from _nested_models(argument)
    elif origin is Annotated:
        yield from _nested_models(arguments[0])


def _is_personal(extra: object) -> bool:
    return isinstance(extra, dict) and extra.get(PERSONAL_DATA) is True


def personal_data_paths(model: type[BaseModel]) -> tuple[str, ...]:
    """Paths of the personal-data fields of ``model``, e.g. ``applicant.personal_id``, ``items[].name``."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        if _is_personal(field.json_schema_extra):
            paths.append(name)
        for nested, suffix in _nested_models(field.annotation):
            paths.extend(f"{name}{suffix}.{path}" for path in personal_data_paths(nested))
    return tuple(paths)


def _redact(value: Any, model: type[BaseModel] | None) -> Any:
    if isinstance(value, list):
        return [_redact(item, model) for item in value]
    if model is None or not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for name, item in value.items():
        field = model.model_fields.get(name)
        if field is not None and _is_personal(field.json_schema_extra) and item is not None:
            result[name] = REDACTED
        else:
            nested = next(_nested_models(field.annotation), (None, ""))[0] if field is not None else None
            result[name] = _redact(item, nested)
    return result


def redacted(model: BaseModel) -> dict[str, Any]:
    """``model`` as JSON-compatible data with every personal-data value replaced by ``<personal data>``."""
    result: dict[str, Any] = _redact(model.model_dump(mode="json"), type(model))
    return result
