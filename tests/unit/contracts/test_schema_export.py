"""The committed schemas are what the models generate, compatible with their history; the CLI says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import EVENT_TYPES
from contracts.errors import IncompatibleSchemaError
from contracts.schema import (
    HISTORY_DIRECTORY,
    SCHEMA_DIRECTORY,
    check,
    current_schemas,
    export,
    load_history,
    render,
    stale_files,
)
from deploy.cli import main

EXPORT_HINT = "run `lienthong schema export` and commit contracts/schemas"


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_committed_schema_equals_a_fresh_export(event_type: str) -> None:
    """A model change without a re-export fails here."""
    path = SCHEMA_DIRECTORY / f"{event_type}.json"
    assert path.is_file(), EXPORT_HINT
    assert path.read_text(encoding="utf-8") == render(current_schemas()[event_type]), EXPORT_HINT


def test_every_registered_type_has_a_released_revision_equal_to_its_schema() -> None:
    history = load_history()
    for event_type, schema in current_schemas().items():
        assert history.get(event_type), EXPORT_HINT
        assert history[event_type][max(history[event_type])] == schema, EXPORT_HINT


def test_committed_schemas_are_compatible_with_their_history() -> None:
    assert check() == []
    assert stale_files() == []


def test_schema_files_are_deterministic_json() -> None:
    for path in sorted(SCHEMA_DIRECTORY.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text == render(json.loads(text)), path


def test_schema_check_command_says_compatible() -> None:
    result = CliRunner().invoke(main, ["schema", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "compatible"


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A scratch copy of the committed schema directory."""
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIRECTORY, target)
    return target


def _dossier_revision(directory: Path, number: int) -> Path:
    return directory / HISTORY_DIRECTORY / "vn.gov.lienthong.dossier.status_changed.v1" / f"{number}.json"


def test_check_lists_breaking_changes_with_their_paths_and_exits_1(schema_copy: Path) -> None:
    """A committed revision that carried a field the models dropped (under extra=forbid) breaks the check."""
    revision = json.loads(_dossier_revision(schema_copy, 1).read_text(encoding="utf-8"))
    revision["properties"]["legacy_note"] = {"type": "string"}
    revision["$defs"]["DossierStatus"]["enum"].append(11)
    _dossier_revision(schema_copy, 2).write_text(render(revision), encoding="utf-8")

    result = CliRunner().invoke(main, ["schema", "check", "--dir", str(schema_copy)])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "vn.gov.lienthong.dossier.status_changed.v1 $.legacy_note: removed while additional properties are "
        "forbidden (breaks revision 2)" in lines
    )
    assert (
        "vn.gov.lienthong.dossier.status_changed.v1 $.status: enum values removed: 11 (breaks revision 2)"
        in lines
    )
    assert "compatible" not in result.stdout


def _snapshot(directory: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def test_export_refuses_a_breaking_change_and_writes_nothing(schema_copy: Path) -> None:
    revision = json.loads(_dossier_revision(schema_copy, 1).read_text(encoding="utf-8"))
    revision["properties"]["legacy_note"] = {"type": "string"}
    _dossier_revision(schema_copy, 2).write_text(render(revision), encoding="utf-8")
    before = _snapshot(schema_copy)

    with pytest.raises(IncompatibleSchemaError, match=r"\$\.legacy_note: removed while"):
        export(schema_copy)
    result = CliRunner().invoke(main, ["schema", "export", "--out", str(schema_copy)])

    assert result.exit_code == 1
    assert "$.legacy_note" in result.stdout
    assert _snapshot(schema_copy) == before


def test_export_appends_a_compatible_change_as_the_next_revision(schema_copy: Path) -> None:
    """Revision 1 lacked an optional field: the current schema is compatible and becomes revision 2."""
    revision = json.loads(_dossier_revision(schema_copy, 1).read_text(encoding="utf-8"))
    del revision["properties"]["field_code"]
    _dossier_revision(schema_copy, 1).write_text(render(revision), encoding="utf-8")

    written = export(schema_copy)

    assert written == [_dossier_revision(schema_copy, 2)]
    assert sorted(load_history(schema_copy)["vn.gov.lienthong.dossier.status_changed.v1"]) == [1, 2]
    assert export(schema_copy) == []


def test_removing_an_event_type_is_breaking_until_its_history_is_deleted(schema_copy: Path) -> None:
    retired = schema_copy / HISTORY_DIRECTORY / "vn.gov.lienthong.dossier.archived.v1"
    retired.mkdir()
    (retired / "1.json").write_text(render({"type": "object"}), encoding="utf-8")

    [change] = check(schema_copy)

    assert change.event_type == "vn.gov.lienthong.dossier.archived.v1"
    assert "event type removed" in change.reason
    shutil.rmtree(retired)
    assert check(schema_copy) == []


def test_export_into_an_empty_directory_starts_every_history_at_revision_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "export", "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "asyncapi.json").is_file()
    assert {event_type: sorted(revisions) for event_type, revisions in load_history(tmp_path).items()} == {
        event_type: [1] for event_type in EVENT_TYPES
    }
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(
        [f"{event_type}.json" for event_type in EVENT_TYPES] + ["asyncapi.json"]
    )
