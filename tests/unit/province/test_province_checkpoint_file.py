"""The checkpoint file: written whole or not at all, read back exactly, refused when it is something else."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from connectors.province import Backfill, InMemorySink
from connectors.province.checkpoint import (
    Checkpoint,
    read_checkpoint,
    trim_rejects,
    write_atomically,
    write_checkpoint,
)
from tests.fixtures.province import cloudevent

CHECKPOINT = Checkpoint(
    input="/data/h.jsonl", format="jsonl", records=3, line=4, offset=99, sha256="ab", published=2, rejected=1
)


def test_a_checkpoint_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "h.checkpoint.json"
    assert read_checkpoint(path) is None
    write_checkpoint(path, CHECKPOINT)
    assert read_checkpoint(path) == CHECKPOINT
    assert [p.name for p in tmp_path.iterdir()] == ["h.checkpoint.json"]  # no temporary file left behind


def test_a_failed_write_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    write_atomically(path, b"old")

    def full_disk(_descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", json.dumps({"version": 2}), json.dumps({"version": 1, "records": 1})],
)
def test_something_else_is_not_taken_for_a_checkpoint(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="is not a backfill checkpoint"):
        read_checkpoint(path)


def test_trimming_rejects_keeps_the_lines_up_to_the_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    entries = [{"line": n, "id": None, "reason": "x"} for n in (2, 5, 9)]
    path.write_text("".join(json.dumps(e) + "\n" for e in entries) + "garbage\n", encoding="utf-8")
    assert trim_rejects(path, 5) == 2
    assert [json.loads(line)["line"] for line in path.read_text().splitlines()] == [2, 5]
    assert trim_rejects(path, 0) == 0
    assert path.read_text() == ""
    assert trim_rejects(tmp_path / "absent.jsonl", 3) == 0
    assert not (tmp_path / "absent.jsonl").exists()


async def test_checkpoint_and_rejects_paths_can_be_chosen(tmp_path: Path) -> None:
    source = tmp_path / "in" / "h.jsonl"
    source.parent.mkdir()
    source.write_text(json.dumps(cloudevent(1)) + "\nbroken\n", encoding="utf-8")
    checkpoint, rejects = tmp_path / "state.json", tmp_path / "refused.jsonl"
    report = await Backfill(InMemorySink(), default_source="s").run(
        source, checkpoint=checkpoint, rejects=rejects
    )
    assert (report.published, report.rejected) == (1, 1)
    written = read_checkpoint(checkpoint)
    assert written is not None
    assert (written.input, written.records) == (str(source.resolve()), 2)
    assert json.loads(rejects.read_text())["line"] == 2
    assert sorted(p.name for p in source.parent.iterdir()) == ["h.jsonl"]
