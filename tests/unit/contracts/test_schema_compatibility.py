"""The compatibility check flags each kind of breaking change with its path, and accepts widening."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.compatibility import BreakingChange, Incompatibility, breaking_changes, check_transitive


def _object(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
OPTIONAL_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
BASE = _object({"code": STRING, "amount": INTEGER, "note": OPTIONAL_STRING}, ("code", "amount"))


def _with(**properties: Any) -> dict[str, Any]:
    return _object({**BASE["properties"], **properties}, tuple(BASE["required"]))


BREAKING: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    (
        "required field added",
        BASE,
        _object({**BASE["properties"], "channel": INTEGER}, ("code", "amount", "channel")),
        "$.channel",
        "added as required; data written before may lack it",
    ),
    (
        "optional field became required",
        BASE,
        _object(BASE["properties"], ("code", "amount", "note")),
        "$.note",
        "became required",
    ),
    (
        "field removed under additionalProperties false",
        BASE,
        _object({"code": STRING, "amount": INTEGER}, ("code", "amount")),
        "$.note",
        "removed while additional properties are forbidden",
    ),
    (
        "type narrowed number to integer",
        _with(amount={"type": "number"}),
        BASE,
        "$.amount",
        "type narrowed: number no longer accepted",
    ),
    ("type changed", BASE, _with(amount=STRING), "$.amount", "type narrowed: integer no longer accepted"),
    (
        "optional made non-nullable",
        BASE,
        _with(note=STRING),
        "$.note",
        "type narrowed: null no longer accepted",
    ),
    (
        "enum value removed",
        _with(status={"type": "integer", "enum": [1, 2, 3]}),
        _with(status={"type": "integer", "enum": [1, 2]}),
        "$.status",
        "enum values removed: 3",
    ),
    (
        "enum introduced",
        _with(status=INTEGER),
        _with(status={"type": "integer", "enum": [1, 2]}),
        "$.status",
        "values restricted to an enum/const",
    ),
    (
        "const changed",
        _with(kind={"const": "a"}),
        _with(kind={"const": "b"}),
        "$.kind",
        'enum values removed: "a"',
    ),
    (
        "minimum raised",
        _with(amount={"type": "integer", "minimum": 0}),
        _with(amount={"type": "integer", "minimum": 1}),
        "$.amount",
        "minimum tightened from 0 to 1",
    ),
    (
        "maxLength lowered",
        _with(code={"type": "string", "maxLength": 20}),
        _with(code={"type": "string", "maxLength": 10}),
        "$.code",
        "maxLength tightened from 20 to 10",
    ),
    (
        "maxLength added",
        BASE,
        _with(code={"type": "string", "maxLength": 10}),
        "$.code",
        "maxLength added to 10",
    ),
    ("pattern added", BASE, _with(code={"type": "string", "pattern": "^[0-9]+$"}), "$.code", "pattern added"),
    (
        "pattern changed",
        _with(code={"type": "string", "pattern": "^a"}),
        _with(code={"type": "string", "pattern": "^b"}),
        "$.code",
        'pattern changed: "^b"',
    ),
    ("format added", BASE, _with(code={"type": "string", "format": "date-time"}), "$.code", "format added"),
    (
        "minItems added",
        _with(lines={"type": "array", "items": INTEGER}),
        _with(lines={"type": "array", "items": INTEGER, "minItems": 1}),
        "$.lines",
        "minItems added to 1",
    ),
    (
        "array items narrowed",
        _with(lines={"type": "array", "items": {"type": "number"}}),
        _with(lines={"type": "array", "items": INTEGER}),
        "$.lines[]",
        "type narrowed: number no longer accepted",
    ),
    (
        "nested object field required",
        _with(applicant=_object({"name": STRING})),
        _with(applicant=_object({"name": STRING, "phone": STRING}, ("phone",))),
        "$.applicant.phone",
        "added as required",
    ),
    (
        "additional properties forbidden",
        _object({"code": STRING}, additionalProperties=True),
        _object({"code": STRING}),
        "$",
        "additional properties are now forbidden",
    ),
    (
        "property added to an open content model",
        {"type": "object", "properties": {"code": STRING}},
        {"type": "object", "properties": {"code": STRING, "amount": INTEGER}},
        "$.amount",
        "added to an open content model",
    ),
    (
        "union branch dropped",
        _with(ref={"anyOf": [STRING, INTEGER]}),
        _with(ref=STRING),
        "$.ref",
        "type narrowed: integer no longer accepted",
    ),
    (
        "multipleOf added",
        BASE,
        _with(amount={"type": "integer", "multipleOf": 1000}),
        "$.amount",
        "multipleOf 1000 is stricter than before",
    ),
    (
        "uniqueItems added",
        _with(lines={"type": "array"}),
        _with(lines={"type": "array", "uniqueItems": True}),
        "$.lines",
        "uniqueItems added",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "reason"), [case[1:] for case in BREAKING], ids=[case[0] for case in BREAKING]
)
def test_breaking_changes_are_reported_with_their_path(
    old: dict[str, Any], new: dict[str, Any], path: str, reason: str
) -> None:
    problems = breaking_changes(old, new)
    assert any(problem.path == path and reason in problem.reason for problem in problems), problems


COMPATIBLE: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("identical", BASE, BASE),
    ("optional field added", BASE, _with(channel={"anyOf": [INTEGER, {"type": "null"}], "default": None})),
    ("field with default added", BASE, _with(flag={"type": "boolean", "default": False})),
    ("required made optional", BASE, _object(BASE["properties"], ("code",))),
    (
        "enum widened",
        _with(status={"type": "integer", "enum": [1, 2]}),
        _with(status={"type": "integer", "enum": [1, 2, 3]}),
    ),
    ("integer widened to number", BASE, _with(amount={"type": "number"})),
    ("made nullable", BASE, _with(amount={"anyOf": [INTEGER, {"type": "null"}]})),
    (
        "bound loosened",
        _with(code={"type": "string", "maxLength": 10}),
        _with(code={"type": "string", "maxLength": 20}),
    ),
    ("constraint dropped", _with(code={"type": "string", "pattern": "^a"}), BASE),
    ("annotations changed", BASE, {**BASE, "title": "Other", "description": "New words", "x-note": 1}),
    ("additional properties opened", BASE, {**BASE, "additionalProperties": True}),
    (
        "field removed from an open model",
        {"type": "object", "properties": {"code": STRING, "x": STRING}},
        {"type": "object", "properties": {"code": STRING}},
    ),
]


@pytest.mark.parametrize(
    ("old", "new"), [case[1:] for case in COMPATIBLE], ids=[case[0] for case in COMPATIBLE]
)
def test_compatible_changes_are_accepted(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert breaking_changes(old, new) == []


def test_refs_into_defs_are_followed_on_both_sides() -> None:
    """A $ref'd enum losing a value breaks, even when the definitions are named differently."""
    old = {
        "$defs": {"Status": {"type": "integer", "enum": [1, 2, 3]}},
        **_object({"status": {"$ref": "#/$defs/Status"}}, ("status",)),
    }
    new = {
        "$defs": {"DossierStatus": {"type": "integer", "enum": [1, 2]}},
        **_object({"status": {"$ref": "#/$defs/DossierStatus"}}, ("status",)),
    }
    assert breaking_changes(old, new) == [Incompatibility("$.status", "enum values removed: 3")]
    assert breaking_changes(new, old) == []


def test_recursive_schemas_terminate() -> None:
    node = {"$defs": {"Node": _object({"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})}}
    schema = {**node, "$ref": "#/$defs/Node"}
    assert breaking_changes(schema, schema) == []


def test_transitive_check_reports_each_revision_it_breaks() -> None:
    """Revision 1 allowed status 3, revision 2 dropped it (already breaking); the new schema breaks both."""
    revision_1 = _with(status={"type": "integer", "enum": [1, 2, 3]})
    revision_2 = _with(status={"type": "integer", "enum": [1, 2]})
    new = _with(status={"type": "integer", "enum": [1]})

    changes = check_transitive("t.v1", new, {1: revision_1, 2: revision_2})

    assert changes == [
        BreakingChange("t.v1", (1,), "$.status", "enum values removed: 2, 3"),
        BreakingChange("t.v1", (2,), "$.status", "enum values removed: 2"),
    ]
    assert str(changes[0]) == "t.v1 $.status: enum values removed: 2, 3 (breaks revision 1)"
    assert check_transitive("t.v1", revision_1, {1: revision_1}) == []
