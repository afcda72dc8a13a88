"""What a replay or discard reports: counts per kind, targets, and a bounded list of errors."""

from __future__ import annotations

from hub.dlq import LetterId, Outcome, Step
from hub.dlq.outcomes import MAX_ERRORS

LETTER = LetterId("t.dlq", 0, 1)


def test_steps_are_counted_and_sent_ones_per_target() -> None:
    outcome = Outcome("a1", snapshot_size=5, matched=3)
    for step in (
        Step(LETTER, "sent", target="t"),
        Step(LETTER, "sent", target="t"),
        Step(LETTER, "replayed_before", target="t"),
        Step(LETTER, "not_found"),
    ):
        outcome.count(step)
    assert outcome.ok
    assert outcome.as_dict() == {
        "action_id": "a1",
        "snapshot_size": 5,
        "matched": 3,
        "not_found": 1,
        "replayed_before": 1,
        "sent": 2,
        "targets": {"t": 2},
        "stopped": False,
        "errors": [],
    }


def test_the_error_list_stays_short() -> None:
    outcome = Outcome("a1")
    for n in range(MAX_ERRORS * 3):
        outcome.error(f"error {n}")
    assert not outcome.ok
    assert len(outcome.errors) == MAX_ERRORS + 1
    assert outcome.errors[-1].startswith("…")
