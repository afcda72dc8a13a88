"""``lienthong connector province backfill`` on a real broker: JSON Lines, CSV, resuming, rejects."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from connectors.province import COLUMNS
from contracts import decode
from tests.fixtures.province import cloudevent, dossier_topic, header, read_topic, run_cli

pytestmark = pytest.mark.kafka

SUMMARY = "backfill: read {}, published {}, rejected {}, skipped {} (before the checkpoint)"


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
        ),
        encoding="utf-8",
    )
    return path


def rejects_of(path: Path) -> list[dict[str, Any]]:
    rejects = path.with_name(f"{path.name}.rejects.jsonl")
    return [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]


async def backfill(bootstrap: str, prefix: str, *arguments: str) -> str:
    done = await asyncio.to_thread(
        run_cli, "backfill", "--topic-prefix", prefix, *arguments, bootstrap=bootstrap
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_jsonl_file_is_published_and_bad_lines_are_reported(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    lines: list[Any] = [cloudevent(i) for i in range(120)]
    lines.insert(10, "not json")  # line 11
    lines.insert(50, cloudevent(999, received_at=None))  # line 51: status 4 needs received_at
    lines.insert(90, {"specversion": "1.0"})  # line 91
    path = write_jsonl(tmp_path / "history.jsonl", lines)

    summary = await backfill(kafka_bootstrap, topic_prefix, str(path), "--batch", "25")

    assert summary == SUMMARY.format(123, 120, 3, 0)
    records = await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    assert sorted(header(r, "ce_id") for r in records) == sorted(
        e["id"] for e in lines if isinstance(e, dict) and "data" in e and e["data"].get("received_at")
    )
    assert [(r["line"], r["id"]) for r in rejects_of(path)] == [(11, None), (51, lines[50]["id"]), (91, None)]
    assert "received_at" in rejects_of(path)[1]["reason"]


def csv_row(seq: int, **overrides: str) -> dict[str, str]:
    data = cloudevent(seq)["data"]
    applicant = data.pop("applicant")
    row = dict.fromkeys(COLUMNS, "")
    for name, value in data.items():
        row[name] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    row |= {f"applicant_{key}": value for key, value in applicant.items()}
    return row | overrides


async def test_csv_file_is_published_with_its_json_columns(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    rows = [csv_row(i) for i in range(30)]
    rows[7] = csv_row(7, channel="two")
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)

    summary = await backfill(kafka_bootstrap, topic_prefix, str(path), "--source", "000.00.00.H56")

    assert summary == SUMMARY.format(30, 29, 1, 0)
    envelopes = [
        decode(r.key, r.value, r.headers)
        for r in await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))
    ]
    assert len(envelopes) == 29
    assert {e.source for e in envelopes} == {"000.00.00.H56"}
    assert all(e.data.components[0].reused and e.data.fees[0].amount == 2000 for e in envelopes)
    assert [(r["line"], r["reason"]) for r in rejects_of(path)] == [(9, "column channel must be an integer")]

    again = await backfill(kafka_bootstrap, topic_prefix, str(path), "--source", "000.00.00.H56", "--restart")
    assert again == SUMMARY.format(30, 29, 1, 0)
    ids = [header(r, "ce_id") for r in await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))]
    assert len(ids) == 58
    assert len(set(ids)) == 29  # a row sent again carries the same id, so consumers deduplicate it


async def test_an_interrupted_backfill_resumes_after_its_checkpoint(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    lines: list[Any] = [cloudevent(i) for i in range(600)]
    lines[150] = "{}"  # rejected before the interruption
    lines[450] = cloudevent(450, status=42)  # rejected after it
    path = write_jsonl(tmp_path / "history.jsonl", lines)
    valid = {e["id"] for e in lines if isinstance(e, dict) and e["data"]["status"] != 42}

    first = await backfill(kafka_bootstrap, topic_prefix, str(path), "--batch", "100", "--max-batches", "2")
    assert first == SUMMARY.format(201, 200, 1, 0) + "; stopped early"
    checkpoint = json.loads(path.with_name("history.jsonl.checkpoint.json").read_text())
    assert (checkpoint["records"], checkpoint["published"]) == (201, 200)
    assert len(await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))) == 200

    second = await backfill(kafka_bootstrap, topic_prefix, str(path), "--batch", "100")
    assert second == SUMMARY.format(399, 398, 1, 201)

    ids = [header(r, "ce_id") for r in await read_topic(kafka_bootstrap, dossier_topic(topic_prefix))]
    assert set(ids) == valid
    assert len(ids) == len(valid) == 598  # nothing before the checkpoint was sent again
    assert [r["line"] for r in rejects_of(path)] == [151, 451]

    third = await backfill(kafka_bootstrap, topic_prefix, str(path))
    assert third == SUMMARY.format(0, 0, 0, 600)


async def test_an_unusable_file_fails_with_a_clear_message(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("dossier_code,colour\n", encoding="utf-8")
    done = await asyncio.to_thread(
        run_cli, "backfill", "--topic-prefix", topic_prefix, str(path), bootstrap=kafka_bootstrap
    )
    assert done.returncode == 1
    assert "CSV header does not match the dossier layout" in done.stderr
