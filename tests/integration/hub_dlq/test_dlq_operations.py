"""``lienthong dlq`` against a real broker: counts, masked show, replay (once, skipped, again, dry run, to a
group, bounded by its snapshot), discard with its reason, and the audit history."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from contracts import DOSSIER_TOPIC
from hub.dlq import DeadLetterDesk, DiscardReasonMissingError, DlqSettings, LetterId, Selection, Step
from tests.fixtures.processes import ROOT
from tests.fixtures.province import read_topic
from tests.integration.hub_dlq.queue import (
    GARBAGE_SECRETS,
    DeadLetterQueue,
    cli,
    dossier_original,
    fill_queue,
    put_dead_letter,
)
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE

pytestmark = pytest.mark.kafka

PERSONAL = (APPLICANT_NAME, PERSONAL_ID, PHONE, *GARBAGE_SECRETS)


@pytest.fixture
async def queue(kafka_bootstrap: str, topic_prefix: str) -> DeadLetterQueue:
    return await fill_queue(kafka_bootstrap, topic_prefix)


def _settings(queue: DeadLetterQueue, operator: str = "lan") -> DlqSettings:
    return DlqSettings(kafka_bootstrap_servers=queue.bootstrap, topic_prefix=queue.prefix, operator=operator)


async def _originals_on(queue: DeadLetterQueue, topic: str) -> list[tuple[int, Any, Any, tuple[Any, ...]]]:
    return [(r.partition, r.key, r.value, tuple(r.headers)) for r in await read_topic(queue.bootstrap, topic)]


async def test_list_counts_by_topic_reason_agency_and_age(queue: DeadLetterQueue) -> None:
    """Four dead letters in two topics, the transaction marker not counted, every one young."""
    result = await cli(queue, "list", "--format", "json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["total"] == 4
    assert counts["by_topic"] == {queue.dossier_dlq: 3, queue.payment_dlq: 1}
    assert counts["by_reason"] == {"unknown_agency": 2, "invalid_payload": 2}
    assert counts["by_agency"] == {"000.00.40.H14": 2, "000.00.20.H56": 1, "unknown": 1}
    assert counts["by_age"] == {"< 1h": 4}
    table = await cli(queue, "list", "--reason", "invalid_payload")
    assert table.exit_code == 0, table.output
    assert "2 dead letters" in table.stdout
    assert queue.payment_dlq in table.stdout


async def test_show_never_prints_personal_data(queue: DeadLetterQueue) -> None:
    """Valid events are shown redacted, garbage as a masked preview, in both formats."""
    for output in ("table", "json"):
        result = await cli(queue, "show", "--topic", DOSSIER_TOPIC.name, "--format", output)
        assert result.exit_code == 0, result.output
        for secret in PERSONAL:
            assert secret not in result.output, (output, secret)
        for name in ("first", "second", "garbage"):
            assert queue.id_of(name) in result.stdout
    one = await cli(queue, "show", "--id", queue.id_of("garbage"), "--format", "json")
    view = json.loads(one.stdout)
    assert (view["value"]["decodes"], view["dossier_code"]) == (False, "000.00.40.H14-250701-0003")
    assert "<personal data>" in view["value"]["preview"]
    filtered = await cli(queue, "show", "--agency", "000.00.20.H56", "--format", "json")
    assert [json.loads(line)["id"] for line in filtered.stdout.splitlines()] == [queue.id_of("first")]


async def test_replay_of_one_id_sends_the_original_once_unless_again(queue: DeadLetterQueue) -> None:
    """Original key, value, headers and partition; a second replay skips it; --again sends it again."""
    original = queue.originals[queue.id_of("first")]
    sent = await cli(queue, "replay", "--id", queue.id_of("first"), "--format", "json")
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["sent"] == 1
    expected = (original.partition, original.key, original.value, original.headers)
    assert await _originals_on(queue, original.topic) == [expected]

    repeated = await cli(queue, "replay", "--id", queue.id_of("first"))
    assert repeated.exit_code == 0, repeated.output
    assert "1 replayed before" in repeated.stdout
    assert await _originals_on(queue, original.topic) == [expected]

    again = await cli(queue, "replay", "--id", queue.id_of("first"), "--again")
    assert again.exit_code == 0, again.output
    assert "1 sent" in again.stdout
    assert await _originals_on(queue, original.topic) == [expected, expected]


async def test_dry_run_lists_and_sends_nothing(queue: DeadLetterQueue) -> None:
    result = await cli(queue, "replay", "--all", "--dry-run")
    assert result.exit_code == 0, result.output
    for name in ("first", "second", "garbage", "payment"):
        assert queue.id_of(name) in result.stdout
    assert "4 would send" in result.stdout
    for original in queue.originals.values():
        assert await read_topic(queue.bootstrap, original.topic) == []
    listed = await cli(queue, "list", "--format", "json")
    assert json.loads(listed.stdout)["replayed"] == 0


async def test_replay_to_one_group_goes_to_its_replay_topic(queue: DeadLetterQueue) -> None:
    """--to-group writes <original>.replay.<group>; the original topic is a different target, not skipped."""
    original = queue.originals[queue.id_of("second")]
    result = await cli(queue, "replay", "--id", queue.id_of("second"), "--to-group", "lienthong-hub")
    assert result.exit_code == 0, result.output
    replayed = await _originals_on(queue, f"{original.topic}.replay.lienthong-hub")
    assert replayed == [(original.partition, original.key, original.value, original.headers)]
    assert await read_topic(queue.bootstrap, original.topic) == []
    to_original = await cli(queue, "replay", "--id", queue.id_of("second"))
    assert "1 sent" in to_original.stdout


async def test_a_replay_reads_only_what_was_there_when_it_began(queue: DeadLetterQueue) -> None:
    """Dead letters written while a replay runs (here: after its first send) wait for the next one."""
    late = [
        dossier_original(
            queue.prefix,
            event_id=f"late-{n}",
            code=f"000.00.20.H56-250612-010{n}",
            agency="000.00.20.H56",
            partition=0,
        )
        for n in range(2)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=queue.bootstrap, acks="all")
    await producer.start()
    steps: list[Step] = []

    async def write_more_after_the_first_send(step: Step) -> None:
        steps.append(step)
        if sum(s.kind == "sent" for s in steps) == 1:
            for partition, original in enumerate(late):
                await put_dead_letter(producer, queue.dossier_dlq, partition, original)

    try:
        async with DeadLetterDesk(_settings(queue)) as desk:
            outcome = await desk.replay(
                Selection(topics=(queue.dossier_dlq,)), rate=1000.0, on_step=write_more_after_the_first_send
            )
            assert outcome.ok, outcome.errors
            assert outcome.steps["sent"] == 3
            assert {str(step.letter_id) for step in steps} == {
                queue.id_of(name) for name in ("first", "second", "garbage")
            }
            counts = await desk.counts()
    finally:
        await producer.stop()
    assert (counts.total, counts.replayed) == (6, 3)
    replayed = await read_topic(queue.bootstrap, queue.originals[queue.id_of("first")].topic)
    assert sorted(record.value for record in replayed) == sorted(
        queue.originals[queue.id_of(name)].value for name in ("first", "second", "garbage")
    )


async def test_discard_needs_a_reason_and_hides_the_dead_letter(queue: DeadLetterQueue) -> None:
    refused = await cli(queue, "discard", "--id", queue.id_of("garbage"))
    assert refused.exit_code == 2
    assert "--reason" in refused.output
    async with DeadLetterDesk(_settings(queue)) as desk:
        with pytest.raises(DiscardReasonMissingError):
            await desk.discard(Selection(ids=(LetterId.parse(queue.id_of("garbage")),)), reason="  ")
    nothing = await cli(queue, "discard", "--reason", "test data")
    assert nothing.exit_code == 2
    assert "say which dead letters" in nothing.output

    done = await cli(queue, "discard", "--id", queue.id_of("garbage"), "--reason", "test data from a drill")
    assert done.exit_code == 0, done.output
    assert "1 discarded" in done.stdout
    listed = json.loads((await cli(queue, "list", "--format", "json")).stdout)
    assert (listed["total"], listed["by_topic"][queue.dossier_dlq]) == (3, 2)
    shown = await cli(queue, "show", "--topic", queue.dossier_dlq, "--format", "json")
    assert queue.id_of("garbage") not in shown.stdout
    included = await cli(
        queue, "show", "--topic", queue.dossier_dlq, "--include-discarded", "--format", "json"
    )
    assert queue.id_of("garbage") in included.stdout
    replayed = await cli(queue, "replay", "--topic", queue.dossier_dlq, "--format", "json")
    outcome = json.loads(replayed.stdout)
    assert (outcome["sent"], outcome["discarded_before"]) == (2, 1)
    again = await cli(queue, "discard", "--id", queue.id_of("garbage"), "--reason", "twice")
    assert "1 discarded before" in again.stdout


async def test_history_shows_each_action_with_who_and_what(queue: DeadLetterQueue) -> None:
    await cli(queue, "show", "--id", queue.id_of("payment"), operator="lan")
    await cli(queue, "replay", "--id", queue.id_of("first"), "--dry-run", operator="lan")
    await cli(queue, "replay", "--id", queue.id_of("first"), operator="minh")
    await cli(queue, "discard", "--id", queue.id_of("payment"), "--reason", "not ours", operator="minh")

    result = await cli(queue, "history", "--format", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["action"], r["operator"], r["dry_run"]) for r in records] == [
        ("show", "lan", False),
        ("replay", "lan", True),
        ("replay", "minh", False),
        ("discard", "minh", False),
    ]
    assert records[2]["selection"] == {"ids": [queue.id_of("first")]}
    assert records[2]["result"]["sent"] == 1
    assert records[3]["options"] == {"reason": "not ours"}

    with_letters = await cli(queue, "history", "--letters", "--operator", "minh", "--format", "json")
    kinds = [(r["kind"], r["action"]) for r in map(json.loads, with_letters.stdout.splitlines())]
    assert kinds == [("letter", "replay"), ("action", "replay"), ("letter", "discard"), ("action", "discard")]
    table = await cli(queue, "history", "--action", "discard")
    assert table.exit_code == 0, table.output
    assert "discard" in table.stdout
    assert "1 records" in table.stdout


async def test_the_command_runs_as_a_process_of_its_own(queue: DeadLetterQueue) -> None:
    """A real process, settings from the environment (KAFKA_BOOTSTRAP_SERVERS, LIENTHONG_OPERATOR …)."""
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": queue.bootstrap,
        "LIENTHONG_DLQ_TOPIC_PREFIX": queue.prefix,
        "LIENTHONG_OPERATOR": "hoa",
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }

    async def run(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from deploy.cli import main; main()",
            "dlq",
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    code, out, err = await run("replay", "--id", queue.id_of("payment"), "--id", f"{queue.payment_dlq}:0:99")
    assert code == 1, err
    assert "1 not found, 1 sent" in out
    assert f"error: {queue.payment_dlq}:0:99: not found" in err
    original = queue.originals[queue.id_of("payment")]
    assert await _originals_on(queue, original.topic) == [(0, None, original.value, ())]
    code, out, err = await run("history", "--format", "json")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["operator"] == "hoa"
