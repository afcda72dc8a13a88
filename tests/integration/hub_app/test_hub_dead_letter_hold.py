"""Against a real broker: a submission for an agency code nobody issued, produced by kcat, is dead-lettered
byte for byte with its context; the dossier's later events are held while other dossiers flow; the real
``lienthong dlq`` then replays it (applied once, the held events after it in order, a second replay without
effect) or discards it (the held events applied in order without it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contracts import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
    SUBMISSION_TOPIC,
    Envelope,
    SubmissionRouted,
    decode,
    encode,
)
from deploy.topology import ensure_topics, topic_names
from hub.app import dead_letter_topics
from hub.app.http import masked_entry
from hub.rules import LedgerEntry, SubmissionState
from hub.settings import HubSettings
from hub.store import LedgerStore
from tests.fixtures.processes import ROOT
from tests.fixtures.province import dossier_code, read_topic
from tests.integration.hub_app.traffic import (
    committed_and_end,
    read_committed,
    running_hub,
    send_envelopes,
    stored_entry,
    wait_for,
)
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, PHONE
from tests.unit.hub.factories import AGENCY, at, envelope, event, issued, payment, submission

pytestmark = [pytest.mark.kafka, pytest.mark.kcat]

_LATE = "000.00.42.H14"
_POISONED = f"{_LATE}-250701-0001"
_OTHERS = 6
_CONTEXT = {
    "dlq_reason",
    "dlq_reason_code",
    "dlq_error_class",
    "dlq_original_topic",
    "dlq_original_partition",
    "dlq_original_offset",
    "dlq_original_timestamp",
    "dlq_consumer_group",
    "dlq_attempts",
    "dlq_first_failure_at",
    "dlq_last_failure_at",
}
_PERSONAL = (APPLICANT_NAME, PERSONAL_ID, PHONE)


@dataclass
class _Poisoned:
    """The scenario up to the point where an operator has to act."""

    letter: str
    later: list[str]
    """Ids of the dossier's events held behind its dead-lettered submission, in the order they were sent."""


def _settings(bootstrap: str, prefix: str, group: str) -> HubSettings:
    return HubSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        group_id=group,
        http_enabled=False,
        relay_interval_seconds=0.2,
        reconcile_interval_seconds=0.3,
        park_grace_seconds=0.5,
    )


def _identity(data: Any, n: int) -> Envelope[Any]:
    return envelope(data, f"registry-{n}", source="urn:lienthong:connector:identity")


def _kcat_produce(bootstrap: str, topic: str, sent: Envelope[Any]) -> None:
    """Produce ``sent`` with Debian's kcat: CloudEvents binary mode, one ``-H`` per header."""
    kcat = shutil.which("kcat")
    assert kcat, "kcat is missing: `make system-deps` (or apt-get install kcat) installs it"
    record = encode(sent)
    assert record.key is not None
    assert b"\n" not in record.value, "kcat reads one message per line"
    headers = [arg for name, value in record.headers for arg in ("-H", f"{name}={value.decode()}")]
    command = [kcat, "-b", bootstrap, "-t", topic, "-P", "-k", record.key.decode(), *headers]
    done = subprocess.run(command, input=record.value, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


async def _dlq(bootstrap: str, prefix: str, *args: str) -> str:
    """``lienthong dlq ARGS`` as a process of its own; its standard output."""
    env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from deploy.cli import main; main()",
        "dlq",
        *args,
        "--topic-prefix",
        prefix,
        "--operator",
        "lan",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode()


async def _entry(store: LedgerStore, code: str) -> LedgerEntry:
    entry = await stored_entry(store, code)
    assert entry is not None, code
    return entry


def _rfc3339(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat().replace("+00:00", "Z")


async def _assert_dead_letter(bootstrap: str, settings: HubSettings) -> str:
    """The one dead letter is the kcat record byte for byte plus every context header; its id."""
    source = settings.topic(SUBMISSION_TOPIC.name)
    (original,) = await read_topic(bootstrap, source)
    (letter,) = await read_committed(bootstrap, settings.dlq_topic(source))
    assert (letter.key, letter.value) == (original.key, original.value)
    originals = list(original.headers)
    assert list(letter.headers)[: len(originals)] == originals
    context = {name: value.decode() for name, value in list(letter.headers)[len(originals) :]}
    assert set(context) == _CONTEXT
    assert context["dlq_reason_code"] == "unknown_agency_code"
    assert context["dlq_error_class"] == "UnknownAgencyCode"
    assert _LATE in context["dlq_reason"]
    assert (context["dlq_original_topic"], context["dlq_original_partition"]) == (
        source,
        str(original.partition),
    )
    assert context["dlq_original_offset"] == str(original.offset)
    assert context["dlq_original_timestamp"] == _rfc3339(original.timestamp)
    assert (context["dlq_consumer_group"], context["dlq_attempts"]) == (settings.group_id, "1")
    assert context["dlq_first_failure_at"] <= context["dlq_last_failure_at"]
    assert APPLICANT_NAME.encode() in original.value, "the check below means something"
    for secret in _PERSONAL:
        assert not any(secret in value for value in context.values()), secret
    return f"{letter.topic}:{letter.partition}:{letter.offset}"


async def _poison_and_hold(
    bootstrap: str, prefix: str, settings: HubSettings, store: LedgerStore
) -> _Poisoned:
    """kcat's submission dead-lettered, three later events of its dossier held, other dossiers applied."""

    async def table_loaded() -> bool:
        stored = await store.get_state("routing_table")
        return stored is not None and AGENCY in stored.value_json

    await wait_for("the registry is applied", table_loaded)
    sent = submission(code=_POISONED, agency=_LATE, cursor=1)
    await asyncio.to_thread(_kcat_produce, bootstrap, settings.topic(SUBMISSION_TOPIC.name), sent)

    async def recorded() -> bool:
        entry = await stored_entry(store, _POISONED)
        return entry is not None and entry.blocked

    await wait_for("the submission for the unknown code is parked", recorded)
    first = event(2, at(1, 9), "p-e1", code=_POISONED, agency=_LATE)
    await send_envelopes(bootstrap, prefix, DOSSIER_TOPIC.name, first)

    async def dead_lettered() -> bool:
        return bool(
            await read_committed(bootstrap, settings.dlq_topic(settings.topic(SUBMISSION_TOPIC.name)))
        )

    await wait_for("the parked submission is dead-lettered", dead_lettered)
    paid = payment("succeeded", code=_POISONED, reference=f"{_POISONED}-20250701090000", when=at(1, 9, 30))
    second = event(4, at(1, 10), "p-e2", code=_POISONED, agency=_LATE)
    await send_envelopes(bootstrap, prefix, PAYMENT_TOPIC.name, paid)
    await send_envelopes(bootstrap, prefix, DOSSIER_TOPIC.name, second)
    others = [
        event(status, at(1, 9 + n), f"o{seq}-e{n}", code=dossier_code(seq))
        for seq in range(_OTHERS)
        for n, status in enumerate((2, 4))
    ]
    await send_envelopes(bootstrap, prefix, DOSSIER_TOPIC.name, *others)

    async def others_applied_and_three_held() -> bool:
        applied = [await stored_entry(store, dossier_code(seq)) for seq in range(_OTHERS)]
        poisoned = await _entry(store, _POISONED)
        return all(e is not None and e.revision == 2 for e in applied) and len(poisoned.held) == 3

    await wait_for(
        "the other dossiers are applied while three events are held", others_applied_and_three_held
    )
    held = await _entry(store, _POISONED)
    assert (held.province, held.history, held.payments) == (None, (), ())
    assert held.submission is not None
    assert held.submission.state is SubmissionState.DEAD_LETTERED
    assert [h.event[1] for h in held.held] == [first.id, paid.id, second.id]
    assert masked_entry(held)["held_count"] == 3
    letter = await _assert_dead_letter(bootstrap, settings)
    assert held.submission.dead_letter == letter
    return _Poisoned(letter=letter, later=[first.id, second.id])


async def _routed_for(bootstrap: str, settings: HubSettings, code: str) -> int:
    records = await read_topic(bootstrap, settings.topic(ROUTED_SUBMISSION_TOPIC.name))
    routed = [decode(r.key, r.value, r.headers).data for r in records]
    return sum(isinstance(item, SubmissionRouted) and item.dossier_code == code for item in routed)


async def _start(bootstrap: str, prefix: str, group: str) -> HubSettings:
    settings = _settings(bootstrap, prefix, group)
    await ensure_topics(bootstrap, [*topic_names(prefix), *dead_letter_topics(settings)])
    registry = [issued("000.00.00.H14", parent=None), issued(AGENCY)]
    await send_envelopes(
        bootstrap, prefix, IDENTITY_TOPIC.name, *(_identity(data, n) for n, data in enumerate(registry))
    )
    return settings


async def _consumed_everything(bootstrap: str, group: str, topic: str) -> bool:
    committed, ends = await committed_and_end(bootstrap, group, topic)
    return all(max(committed.get(p, 0), 0) >= end for p, end in ends.items())


async def test_a_replayed_dead_letter_is_applied_once_and_releases_the_held_events_in_order(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    settings = await _start(kafka_bootstrap, topic_prefix, group_id)
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        poisoned = await _poison_and_hold(kafka_bootstrap, topic_prefix, settings, store)
        await send_envelopes(kafka_bootstrap, topic_prefix, IDENTITY_TOPIC.name, _identity(issued(_LATE), 9))

        async def code_issued() -> bool:
            stored = await store.get_state("routing_table")
            return stored is not None and _LATE in stored.value_json

        await wait_for("the agency code is issued", code_issued)
        out = await _dlq(kafka_bootstrap, topic_prefix, "replay", "--id", poisoned.letter)
        assert "1 sent" in out, out

        async def applied() -> bool:
            entry = await _entry(store, _POISONED)
            return entry.submission is not None and entry.submission.state is SubmissionState.ROUTED

        await wait_for("the replayed submission is applied", applied)
        entry = await _entry(store, _POISONED)
        assert entry.held == ()
        assert [r.event[1] for r in entry.history] == poisoned.later
        assert (entry.revision, len(entry.payments)) == (2, 1)
        submissions = settings.topic(SUBMISSION_TOPIC.name)
        await wait_for(
            "the routed submission is published",
            lambda: _published_once(kafka_bootstrap, settings),
        )

        again = await _dlq(kafka_bootstrap, topic_prefix, "replay", "--id", poisoned.letter, "--again")
        assert "1 sent" in again, again
        await wait_for(
            "the hub consumed the second replay",
            lambda: _consumed_everything(kafka_bootstrap, group_id, submissions),
        )
        assert await _entry(store, _POISONED) == entry, "a second replay has no effect"
        assert await _routed_for(kafka_bootstrap, settings, _POISONED) == 1

        # every acknowledged input: one effect or one dead letter
        assert (
            len(await read_topic(kafka_bootstrap, submissions)) == 3
        )  # kcat's, the replay, the replay again
        assert len(await read_committed(kafka_bootstrap, settings.dlq_topic(submissions))) == 1
        for seq in range(_OTHERS):
            other = await _entry(store, dossier_code(seq))
            assert [r.event[1] for r in other.history] == [f"o{seq}-e0", f"o{seq}-e1"]
        for topic in (DOSSIER_TOPIC, PAYMENT_TOPIC, SUBMISSION_TOPIC):
            assert await _consumed_everything(kafka_bootstrap, group_id, settings.topic(topic.name)), topic


async def _published_once(bootstrap: str, settings: HubSettings) -> bool:
    return await _routed_for(bootstrap, settings, _POISONED) == 1


async def test_a_discarded_dead_letter_releases_the_held_events_in_order_without_it(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    settings = await _start(kafka_bootstrap, topic_prefix, group_id)
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        poisoned = await _poison_and_hold(kafka_bootstrap, topic_prefix, settings, store)
        out = await _dlq(
            kafka_bootstrap, topic_prefix, "discard", "--id", poisoned.letter, "--reason", "nộp nhầm cơ quan"
        )
        assert "1 discarded" in out, out

        async def released() -> bool:
            entry = await _entry(store, _POISONED)
            return entry.submission is not None and entry.submission.state is SubmissionState.DISCARDED

        await wait_for("the discard releases the dossier", released)
        entry = await _entry(store, _POISONED)
        assert entry.held == ()
        assert [r.event[1] for r in entry.history] == poisoned.later
        assert (entry.revision, len(entry.payments)) == (2, 1)
        assert await _routed_for(kafka_bootstrap, settings, _POISONED) == 0
        for topic in (DOSSIER_TOPIC, PAYMENT_TOPIC, SUBMISSION_TOPIC):
            assert await _consumed_everything(kafka_bootstrap, group_id, settings.topic(topic.name)), topic
