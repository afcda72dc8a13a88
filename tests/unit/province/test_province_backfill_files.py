"""Backfill on an in-memory sink: batches, rejects with line numbers, checkpoints, resuming, changed input."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tenacity import stop_after_attempt

from connectors.errors import BackfillInputError, PublishError
from connectors.province import PUBLISH_RETRY, Backfill, InMemorySink
from connectors.province.checkpoint import read_checkpoint
from connectors.province.csv_layout import COLUMNS
from connectors.publishing import Published
from contracts import Envelope, EventData, decode
from contracts.structured import to_structured
from tests.fixtures.province import cloudevent
from tests.unit.contracts.factories import make_envelope, make_payment

SOURCE = "urn:lienthong:connector:province:H56"


async def no_sleep(_seconds: float) -> None:
    return None


FAST_RETRY = PUBLISH_RETRY.copy(sleep=no_sleep, stop=stop_after_attempt(2))


class FlakySink(InMemorySink):
    """Fails every publish from call number ``fail_from`` on (1-based)."""

    def __init__(self, fail_from: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_from = fail_from

    async def publish_many(self, envelopes: Sequence[Envelope[EventData]]) -> list[Published]:
        self.calls += 1
        if self.calls >= self.fail_from:
            raise PublishError("Kafka did not acknowledge the records: KafkaTimeoutError")
        return await super().publish_many(envelopes)


def jsonl(path: Path, lines: list[Any]) -> Path:
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
    )
    path.write_text(text, encoding="utf-8")
    return path


def ids(sink: InMemorySink) -> list[str]:
    return [decode(r.key, r.value, r.headers).id for r in sink.records()]


def rejects(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.with_name(path.name + ".rejects.jsonl").read_text().splitlines()
    ]


PAYMENT = to_structured(make_envelope(make_payment(), id="pay-1"))


async def test_valid_lines_are_published_and_invalid_ones_reported_with_their_line(tmp_path: Path) -> None:
    lines: list[Any] = [cloudevent(i, event_id=f"e{i}") for i in range(10)]
    lines[2:2] = ["{not json"]  # line 3
    lines[6:6] = [PAYMENT]  # line 7
    lines[8:8] = ["   "]  # a blank line is no record
    path = jsonl(tmp_path / "history.jsonl", lines)
    sink = InMemorySink()

    report = await Backfill(sink, default_source=SOURCE, batch_size=4).run(path)

    assert (report.read, report.published, report.rejected, report.skipped) == (12, 10, 2, 0)
    assert ids(sink) == [f"e{i}" for i in range(10)]
    found = rejects(path)
    assert [(r["line"], r["id"]) for r in found] == [(3, None), (7, "pay-1")]
    assert found[0]["reason"].startswith("line is not valid JSON")
    assert "not accepted from provincial systems" in found[1]["reason"]
    checkpoint = read_checkpoint(tmp_path / "history.jsonl.checkpoint.json")
    assert checkpoint is not None
    assert (checkpoint.records, checkpoint.line, checkpoint.offset) == (12, 13, path.stat().st_size)


async def test_a_stopped_run_resumes_after_its_checkpoint_without_resending(tmp_path: Path) -> None:
    lines: list[Any] = [cloudevent(i, event_id=f"e{i}") for i in range(25)]
    lines[5] = cloudevent(5, status=0)  # rejected, before the checkpoint
    lines[22] = "[]"  # rejected, after it
    path = jsonl(tmp_path / "h.jsonl", lines)
    sink = InMemorySink()

    first = await Backfill(sink, default_source=SOURCE, batch_size=5, max_batches=2).run(path)
    assert (first.published, first.complete) == (10, False)
    assert len(rejects(path)) == 1
    second = await Backfill(sink, default_source=SOURCE, batch_size=5).run(path)

    assert (second.skipped, second.published, second.rejected) == (11, 13, 1)
    assert sorted(ids(sink)) == sorted(f"e{i}" for i in range(25) if i not in (5, 22))
    assert len(ids(sink)) == 23  # nothing before the checkpoint was sent twice
    assert [r["line"] for r in rejects(path)] == [6, 23]
    final = read_checkpoint(tmp_path / "h.jsonl.checkpoint.json")
    assert final is not None
    assert (final.published, final.rejected) == (23, 2)


async def test_a_batch_kafka_refuses_stops_the_run_at_the_last_acknowledged_batch(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "h.jsonl", [cloudevent(i, event_id=f"e{i}") for i in range(12)])
    flaky = FlakySink(fail_from=2)
    with pytest.raises(PublishError):
        await Backfill(flaky, default_source=SOURCE, batch_size=5, retrying=FAST_RETRY).run(path)
    assert flaky.calls == 3  # the first batch, then two attempts at the second
    checkpoint = read_checkpoint(tmp_path / "h.jsonl.checkpoint.json")
    assert checkpoint is not None
    assert checkpoint.records == 5

    sink = InMemorySink()
    report = await Backfill(sink, default_source=SOURCE, batch_size=5).run(path)
    assert (report.skipped, report.published) == (5, 7)
    assert ids(sink) == [f"e{i}" for i in range(5, 12)]


async def test_a_changed_input_is_not_resumed_but_can_be_restarted(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "h.jsonl", [cloudevent(i) for i in range(6)])
    await Backfill(InMemorySink(), default_source=SOURCE, batch_size=2, max_batches=1).run(path)
    jsonl(path, [cloudevent(100 + i) for i in range(6)])
    with pytest.raises(BackfillInputError, match="changed since its checkpoint"):
        await Backfill(InMemorySink(), default_source=SOURCE).run(path)
    sink = InMemorySink()
    report = await Backfill(sink, default_source=SOURCE).run(path, restart=True)
    assert (report.skipped, report.published) == (0, 6)


async def test_lines_appended_after_a_finished_run_are_sent_on_the_next(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "h.jsonl", [cloudevent(i, event_id=f"e{i}") for i in range(3)])
    sink = InMemorySink()
    await Backfill(sink, default_source=SOURCE).run(path)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(cloudevent(3, event_id="e3")) + "\n")
    report = await Backfill(sink, default_source=SOURCE).run(path)
    assert (report.skipped, report.published) == (3, 1)
    assert ids(sink) == ["e0", "e1", "e2", "e3"]


async def test_a_checkpoint_of_another_format_is_refused(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "h.txt", [cloudevent(0)])
    await Backfill(InMemorySink(), default_source=SOURCE).run(path)
    with pytest.raises(BackfillInputError, match="written for format jsonl, not csv"):
        await Backfill(InMemorySink(), default_source=SOURCE).run(path, fmt="csv")


def csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def row(seq: int, **overrides: str) -> dict[str, str]:
    data = cloudevent(seq)["data"]
    applicant = data.pop("applicant")
    cells = dict.fromkeys(COLUMNS, "")
    for name, value in data.items():
        cells[name] = (
            json.dumps(value, ensure_ascii=False, indent=1) if isinstance(value, list) else str(value)
        )
    cells |= {f"applicant_{key}": value for key, value in applicant.items()}
    return cells | overrides


async def test_csv_rows_spanning_lines_are_reported_by_their_first_line(tmp_path: Path) -> None:
    rows = [row(0), row(1, status="x"), row(2), row(3, applicant_personal_id="")]
    text = csv_text(rows)
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    starts = [1 + text[: text.index(dossier)].count("\n") for dossier in (r["dossier_code"] for r in rows)]
    sink = InMemorySink()

    report = await Backfill(sink, default_source=SOURCE, batch_size=10).run(path)

    assert (report.read, report.published, report.rejected) == (4, 2, 2)
    found = rejects(path)
    assert [r["line"] for r in found] == [starts[1], starts[3]]
    assert found[0]["reason"] == "column status must be an integer"
    assert "applicant" in found[1]["reason"]
    published = [decode(r.key, r.value, r.headers) for r in sink.records()]
    assert [e.data.dossier_code for e in published] == [rows[0]["dossier_code"], rows[2]["dossier_code"]]
    assert all(e.source == SOURCE for e in published)


async def test_a_csv_file_resumes_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(csv_text([row(i, id=f"r{i}") for i in range(7)]), encoding="utf-8")
    sink = InMemorySink()
    await Backfill(sink, default_source=SOURCE, batch_size=3, max_batches=1).run(path)
    report = await Backfill(sink, default_source=SOURCE, batch_size=3).run(path)
    assert (report.skipped, report.published, report.rejected) == (3, 4, 0)
    assert ids(sink) == [f"r{i}" for i in range(7)]


async def test_a_csv_header_off_the_layout_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("dossier_code,colour\nx,y\n", encoding="utf-8")
    with pytest.raises(BackfillInputError, match="unknown: colour"):
        await Backfill(InMemorySink(), default_source=SOURCE).run(path)
