"""Against a real broker: when the hub itself fails on a valid event (a defect), that record is dead-lettered
with the failure's class and place — never its message — and the partition goes on; once the defect is gone,
an operator's replay applies the event once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contracts import DOSSIER_TOPIC
from deploy.topology import ensure_topics, topic_names
from hub.app import dead_letter_topics, processing
from hub.dlq import DeadLetterDesk, DlqSettings, Selection
from hub.settings import HubSettings
from tests.integration.hub_app.traffic import (
    committed_and_end,
    read_committed,
    running_hub,
    send_envelopes,
    stored_entry,
    wait_for,
)
from tests.unit.contracts.factories import PERSONAL_ID
from tests.unit.hub.factories import at, event

pytestmark = pytest.mark.kafka

_BROKEN = "000.00.20.H14-250701-0666"
"""The dossier whose events the defect strikes."""
_FINE = [f"000.00.20.H14-250701-{n:04d}" for n in range(1, 9)]


@pytest.fixture
def defect(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """``apply_dossier_event`` raising for one dossier (personal data in its message) until switched off."""
    real = processing.apply_dossier_event
    state = {"on": True}

    def broken(entry: Any, envelope: Any, now: Any, **kwargs: Any) -> Any:
        if state["on"] and envelope.subject == _BROKEN:
            raise ValueError(f"cannot handle applicant {PERSONAL_ID}")
        return real(entry, envelope, now, **kwargs)

    monkeypatch.setattr(processing, "apply_dossier_event", broken)
    return state


async def test_a_defect_on_one_record_dead_letters_it_and_the_partition_goes_on(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path, defect: dict[str, bool]
) -> None:
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        http_enabled=False,
        relay_interval_seconds=0.2,
    )
    await ensure_topics(kafka_bootstrap, [*topic_names(topic_prefix), *dead_letter_topics(settings)])
    topic = f"{topic_prefix}{DOSSIER_TOPIC.name}"
    broken = event(2, at(1, 8), "broken-1", code=_BROKEN)
    fine = [event(2, at(1, 8, n), f"fine-{n}", code=code) for n, code in enumerate(_FINE)]
    async with running_hub(settings, tmp_path / "ledger.sqlite3") as store:
        await send_envelopes(kafka_bootstrap, topic_prefix, DOSSIER_TOPIC.name, broken, *fine)

        async def everything_settled() -> bool:
            committed, ends = await committed_and_end(kafka_bootstrap, group_id, topic)
            return sum(max(c, 0) for c in committed.values()) == sum(ends.values())

        await wait_for("every record committed", everything_settled)
        for code in _FINE:
            assert await stored_entry(store, code) is not None, code
        assert await stored_entry(store, _BROKEN) is None

        (letter,) = await read_committed(kafka_bootstrap, settings.dlq_topic(topic))
        headers = {name: value.decode() for name, value in letter.headers}
        assert headers["dlq_reason_code"] == "processing_failed"
        assert headers["dlq_error_class"] == "ValueError"
        assert headers["dlq_original_topic"] == topic
        assert "in broken" in headers["dlq_reason"]  # where it was raised
        assert PERSONAL_ID not in headers["dlq_reason"]  # never the exception's message
        assert headers["ce_id"] == "broken-1"  # the original headers, kept

        defect["on"] = False  # the fix is deployed
        desk = DeadLetterDesk(
            DlqSettings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix, operator="lan")
        )
        async with desk:
            replayed = await desk.replay(Selection(dossiers=(_BROKEN,)))
        assert replayed.steps["sent"] == 1

        async def applied() -> bool:
            return await stored_entry(store, _BROKEN) is not None

        await wait_for("the replayed event applied", applied)
        entry = await stored_entry(store, _BROKEN)
        assert entry is not None
        assert entry.has_applied((broken.source, broken.id))
        assert len(entry.history) == 1  # once
