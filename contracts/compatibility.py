"""Backward compatibility of JSON Schemas, in the sense of Schema Registry's BACKWARD(_TRANSITIVE) for JSON.

A new schema is compatible with an old one when every document valid under the old schema is valid under the
new one: consumers built on the new contracts can still read every record written under the old. Transitive
means the new schema must pass against every committed revision, not only the last.

The check walks both schemas side by side (``$ref`` into ``$defs`` resolved on each side) and reports each
place where the new schema rejects something the old accepted:

* a type narrowed (``number`` → ``integer``, ``string|null`` → ``string``), an enum value or ``const``
  removed;
* a property newly required (old data may lack it: give it a default instead);
* a property removed while ``additionalProperties`` is false (old data carries it and is now rejected);
* a property added to an open content model, or ``additionalProperties`` newly forbidden;
* a lower bound raised or an upper bound lowered (``minimum``, ``maxLength``, ``minItems``, …), a ``pattern``
  or ``format`` added or changed, a ``multipleOf`` added or made stricter, ``uniqueItems`` added.

Widening is compatible: new enum values, optional properties, looser bounds, a type gaining ``null``. The
check is conservative: what it cannot prove accepted (a changed pattern) is reported. Annotations (titles,
descriptions, examples, defaults, ``x-`` extensions) are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BreakingChange", "Incompatibility", "breaking_changes", "check_transitive"]

_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$schema",
        "$id",
        "$defs",
        "definitions",
        "discriminator",
    }
)
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format")
_ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_REF_HOPS = 64


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One place where the new schema rejects data the old one accepted."""

    path: str
    """Where in the data, as a JSON path: ``$.applicant.personal_id``, ``$.components[].code``."""
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BreakingChange:
    """An incompatibility of an event type's new schema with committed revisions of it."""

    event_type: str
    revisions: tuple[int, ...]
    path: str
    reason: str

    def __str__(self) -> str:
        against = ", ".join(str(revision) for revision in self.revisions)
        return f"{self.event_type} {self.path}: {self.reason} (breaks revision {against})"


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if _IDENTIFIER.fullmatch(name) else f"{path}[{json.dumps(name)}]"


def _constrained(schema: Any) -> bool:
    if isinstance(schema, bool):
        return not schema
    return any(not key.startswith("x-") and key not in _ANNOTATIONS for key in schema)


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    if declared is None:
        values = _values(schema)
        if values is None:
            return None
        return frozenset(_json_type(value) for value in values)
    return frozenset([declared] if isinstance(declared, str) else declared)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    kinds = {float: "number", str: "string", list: "array", dict: "object"}
    return kinds.get(type(value), "object")


def _values(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if enum is not None else None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class _Comparison:
    def __init__(self, old_root: Mapping[str, Any], new_root: Mapping[str, Any]) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.active: set[tuple[int, int]] = set()

    @staticmethod
    def _resolve(node: Any, root: Mapping[str, Any]) -> Any:
        for _ in range(_MAX_REF_HOPS):
            if not isinstance(node, Mapping) or "$ref" not in node:
                return node
            target: Any = root
            for part in str(node["$ref"]).removeprefix("#").strip("/").split("/"):
                if part:
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        msg = "$ref chain too long or cyclic"
        raise ValueError(msg)

    def compare(self, old: Any, new: Any, path: str) -> list[Incompatibility]:
        key = (id(old), id(new))
        if key in self.active:
            return []
        self.active.add(key)
        try:
            return self._compare(self._resolve(old, self.old_root), self._resolve(new, self.new_root), path)
        finally:
            self.active.discard(key)

    def _compare(self, old: Any, new: Any, path: str) -> list[Incompatibility]:
        if not _constrained(new) or old is False:
            return []
        if new is False:
            return [Incompatibility(path, "the new schema rejects every value here")]
        if old is True:
            old = {}
        old_branches = old.get("anyOf") or old.get("oneOf")
        if old_branches:
            problems = [problem for branch in old_branches for problem in self.compare(branch, new, path)]
            return list(dict.fromkeys(problems))
        new_branches = new.get("anyOf") or new.get("oneOf")
        if new_branches:
            attempts = [self.compare(old, branch, path) for branch in new_branches]
            return [] if any(not attempt for attempt in attempts) else min(attempts, key=len)
        problems = self._type_problems(old, new, path)
        if problems:
            return problems
        return [
            *self._value_problems(old, new, path),
            *self._bound_problems(old, new, path),
            *self._object_problems(old, new, path),
            *self._array_problems(old, new, path),
        ]

    @staticmethod
    def _type_problems(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Incompatibility]:
        new_types = _types(new)
        if new_types is None:
            return []
        old_types = _types(old) or _ALL_TYPES
        lost = sorted(
            t for t in old_types if t not in new_types and not (t == "integer" and "number" in new_types)
        )
        if not lost:
            return []
        return [Incompatibility(path, f"type narrowed: {', '.join(lost)} no longer accepted")]

    @staticmethod
    def _value_problems(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Incompatibility]:
        new_values = _values(new)
        if new_values is None:
            return []
        old_values = _values(old)
        if old_values is None:
            return [Incompatibility(path, "values restricted to an enum/const where any value was accepted")]
        allowed = {_canonical(value) for value in new_values}
        removed = [value for value in old_values if _canonical(value) not in allowed]
        if not removed:
            return []
        return [Incompatibility(path, f"enum values removed: {', '.join(_canonical(v) for v in removed)}")]

    @staticmethod
    def _bound_problems(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[Incompatibility]:
        problems = []
        for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
            if (bound := new.get(keyword)) is None:
                continue
            before = old.get(keyword)
            stricter = before is None or (bound > before if keyword in _LOWER_BOUNDS else bound < before)
            if stricter:
                change = "added" if before is None else f"tightened from {before}"
                problems.append(Incompatibility(path, f"{keyword} {change} to {bound}"))
        for keyword in _EXACT:
            if (value := new.get(keyword)) is not None and value != old.get(keyword):
                change = "added" if old.get(keyword) is None else "changed"
                problems.append(Incompatibility(path, f"{keyword} {change}: {json.dumps(value)}"))
        if (factor := new.get("multipleOf")) is not None:
            before = old.get("multipleOf")
            if before is None or before % factor != 0:
                problems.append(Incompatibility(path, f"multipleOf {factor} is stricter than before"))
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            problems.append(Incompatibility(path, "uniqueItems added"))
        return problems

    def _object_problems(
        self, old: Mapping[str, Any], new: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        old_props: Mapping[str, Any] = old.get("properties", {})
        new_props: Mapping[str, Any] = new.get("properties", {})
        old_open = old.get("additionalProperties", True)
        new_open = new.get("additionalProperties", True)
        problems = []
        for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
            reason = "became required" if name in old_props else "added as required"
            problems.append(Incompatibility(_child(path, name), f"{reason}; data written before may lack it"))
        for name, old_prop in old_props.items():
            if name in new_props:
                problems += self.compare(old_prop, new_props[name], _child(path, name))
            elif new_open is False:
                problems.append(
                    Incompatibility(_child(path, name), "removed while additional properties are forbidden")
                )
            else:
                problems += self.compare(old_prop, new_open, _child(path, name))
        for name, new_prop in new_props.items():
            if name not in old_props and old_open is not False:
                if old_open is True and _constrained(new_prop):
                    problems.append(Incompatibility(_child(path, name), "added to an open content model"))
                elif old_open is not True:
                    problems += self.compare(old_open, new_prop, _child(path, name))
        if new_open is False and old_open is not False:
            problems.append(Incompatibility(path, "additional properties are now forbidden"))
        elif old_open is not False and new_open is not True:
            problems += self.compare(old_open, new_open, f"{path}.*")
        return problems

    def _array_problems(
        self, old: Mapping[str, Any], new: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        problems = []
        old_prefix: Sequence[Any] = old.get("prefixItems", ())
        new_prefix: Sequence[Any] = new.get("prefixItems", ())
        old_items = old.get("items", True)
        for index, new_item in enumerate(new_prefix):
            old_item = old_prefix[index] if index < len(old_prefix) else old_items
            problems += self.compare(old_item, new_item, f"{path}[{index}]")
        if "items" in new:
            for index in range(len(new_prefix), len(old_prefix)):
                problems += self.compare(old_prefix[index], new["items"], f"{path}[{index}]")
            problems += self.compare(old_items, new["items"], f"{path}[]")
        return problems


def breaking_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Incompatibility]:
    """Where ``new`` rejects documents valid under ``old``; empty when ``new`` is backward compatible."""
    return _Comparison(old, new).compare(old, new, "$")


def check_transitive(
    event_type: str, new: Mapping[str, Any], revisions: Mapping[int, Mapping[str, Any]]
) -> list[BreakingChange]:
    """The breaking changes of ``new`` against every committed revision (by number), merged by place."""
    found: dict[tuple[str, str], list[int]] = {}
    for number, old in sorted(revisions.items()):
        for problem in breaking_changes(old, new):
            found.setdefault((problem.path, problem.reason), []).append(number)
    return [
        BreakingChange(event_type, tuple(numbers), path, reason) for (path, reason), numbers in found.items()
    ]
